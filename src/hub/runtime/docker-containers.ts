/**
 * Agent containers of the docker runtime: what one is made of (image, user, env, labels, limits,
 * lock-down, log rotation), starting one in place of a leftover of an earlier life, and reading
 * back the labelled ones (for adoption after a hub restart) and their logs.
 */
import type Docker from 'dockerode';
import type { Logger } from '../../logger.js';
import {
  AGENT_LABEL,
  CONTAINER_PORT,
  MANAGED_LABEL,
  OWNER_LABEL,
  containerName,
  demuxLogs,
  removeContainer,
  statusCode,
} from './docker-engine.js';
import type { AgentExit, AgentSpec, ManagedAgent, PlacedAgent } from './runtime.js';

export interface DockerRuntimeOptions {
  docker?: Docker;
  image: string;
  /** `host`, or a bridge network (created idempotently); see agent-network.ts for the choice. */
  network: string;
  /** Host name agents use to reach the hub (`127.0.0.1` on the host network). */
  hubHost?: string;
  /** Id of the hub's own container, to connect to `network` before the first agent starts. */
  attachContainer?: string;
  memoryMb: number;
  cpus: number;
  logger: Logger;
  /** UID:GID inside the container. */
  user?: string;
}

/** What the docker runtime's parts share: the engine, the options, and the exit bookkeeping. */
export interface DockerRuntimeState {
  readonly docker: Docker;
  readonly options: DockerRuntimeOptions;
  readonly hostNetwork: boolean;
  readonly listeners: Set<(exit: AgentExit) => void>;
  /** Agents being removed on purpose: their `die` is not a crash. */
  readonly removing: Set<string>;
  readonly oomSeen: Set<string>;
  /** The engine's event stream, once `watchEvents` opened it. */
  events: NodeJS.ReadableStream | undefined;
  closed: boolean;
}

export function agentBaseUrl(hostNetwork: boolean, agentId: string, port: number): string {
  return hostNetwork ? `http://127.0.0.1:${port}` : `http://${containerName(agentId)}:${CONTAINER_PORT}`;
}

/** The container of `spec`'s agent: labelled, limited, locked down and log-rotated; listens on `port`. */
function containerSpec(state: DockerRuntimeState, spec: AgentSpec, port: number): Docker.ContainerCreateOptions {
  const { options, hostNetwork } = state;
  return {
    name: containerName(spec.agentId),
    Image: options.image,
    User: options.user ?? '10001:10001',
    Env: Object.entries({ ...spec.env, PORT: String(port), HOST: hostNetwork ? '127.0.0.1' : '0.0.0.0' }).map(([k, v]) => `${k}=${v}`),
    Labels: { [MANAGED_LABEL]: 'true', [AGENT_LABEL]: spec.agentId, [OWNER_LABEL]: spec.ownerId },
    ExposedPorts: hostNetwork ? undefined : { [`${CONTAINER_PORT}/tcp`]: {} },
    HostConfig: {
      NetworkMode: options.network,
      Memory: options.memoryMb * 1024 * 1024,
      MemorySwap: options.memoryMb * 1024 * 1024,
      NanoCpus: Math.round(options.cpus * 1e9),
      PidsLimit: 256,
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=16m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
      RestartPolicy: { Name: 'no' },
      ExtraHosts: hostNetwork ? undefined : ['host.docker.internal:host-gateway'],
    },
  };
}

/** Creates and starts the agent's container (the engine and network must be ready). */
export async function placeContainer(state: DockerRuntimeState, spec: AgentSpec): Promise<PlacedAgent> {
  const { docker, hostNetwork, removing } = state;
  const port = hostNetwork ? spec.port : CONTAINER_PORT;
  const create = () => docker.createContainer(containerSpec(state, spec, port));
  let container: Docker.Container;
  try {
    container = await create();
  } catch (error) {
    // 409: a container from an earlier life of this agent (crash, failed start) holds the name.
    if (statusCode(error) !== 409) throw error;
    removing.add(spec.agentId);
    await removeContainer(docker, spec.agentId, 0).finally(() => removing.delete(spec.agentId));
    container = await create();
  }
  try {
    await container.start();
  } catch (error) {
    await container.remove({ force: true }).catch(() => undefined);
    throw error;
  }
  return { handleId: container.id, baseUrl: agentBaseUrl(hostNetwork, spec.agentId, spec.port) };
}

/** The labelled agent containers, running or not, with the port and token each was started with. */
export async function listManagedContainers(state: DockerRuntimeState): Promise<ManagedAgent[]> {
  const { docker, hostNetwork } = state;
  const containers = await docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`] } });
  const managed = containers.filter((c) => c.Labels[AGENT_LABEL]);
  return Promise.all(
    managed.map(async (c): Promise<ManagedAgent> => {
      const agentId = c.Labels[AGENT_LABEL];
      const info = await docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => undefined);
      const env = new Map((info?.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      const port = Number(env.get('PORT') ?? CONTAINER_PORT);
      return {
        agentId,
        handleId: c.Id,
        running: c.State === 'running',
        baseUrl: agentBaseUrl(hostNetwork, agentId, port),
        token: env.get('AGENT_TOKEN'),
      };
    }),
  );
}

/** The agent container's last `lines` output lines; none when the container is gone. */
export async function containerLogs(docker: Docker, agentId: string, lines: number): Promise<string[]> {
  try {
    const raw = (await docker
      .getContainer(containerName(agentId))
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxLogs(raw).slice(-lines);
  } catch {
    return [];
  }
}
