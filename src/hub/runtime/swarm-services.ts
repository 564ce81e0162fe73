/**
 * Agent services of the swarm runtime: what one is made of (one replica of the agent image,
 * labelled, limited and reserved, placed by constraints, restarted on failure, locked down, the
 * agent token as a Swarm secret file), placing one in place of a leftover of an earlier life,
 * removing one with its secrets (waiting until its task has let go of the port), and reading
 * back the labelled ones for adoption after a hub restart.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { agentBaseUrl } from './docker-containers.js';
import type { Logger } from '../../logger.js';
import { AGENT_LABEL, CONTAINER_PORT, MANAGED_LABEL, OWNER_LABEL, containerName, demuxLogs, statusCode } from './docker-engine.js';
import type { AgentExit, AgentSpec, ManagedAgent, PlacedAgent } from './runtime.js';
import { TOKEN_SECRET_FILE, TOKEN_SECRET_PATH, readLocalToken } from './swarm-token.js';

/** Task states after which a task never runs again (the service may start a new task). */
export const ENDED_TASK_STATES = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

export interface SwarmRuntimeOptions {
  docker?: Docker;
  image: string;
  /** `host`, or an attachable overlay network (created idempotently). */
  network: string;
  /** Host name agents use to reach the hub (`127.0.0.1` on the host network). */
  hubHost?: string;
  memoryMb: number;
  cpus: number;
  /** Placement constraints (AGENT_PLACEMENT), e.g. `node.labels.artic==agents`. */
  placement: string[];
  /** Swarm's own restarts of a failed task: the lifecycle's limit (AGENT_MAX_RESTARTS). */
  maxRestarts: number;
  /** First restart delay in ms (the lifecycle's backoff base). */
  restartDelayMs?: number;
  /** How often task states are read for exits, in ms. */
  pollMs?: number;
  logger: Logger;
  /** UID:GID inside the container. */
  user?: string;
}

/** What the swarm runtime's parts share: the engine, the options, and the exit bookkeeping. */
export interface SwarmRuntimeState {
  readonly docker: Docker;
  readonly options: SwarmRuntimeOptions;
  readonly hostNetwork: boolean;
  readonly listeners: Set<(exit: AgentExit) => void>;
  /** Agents being removed on purpose: their task's end is not a crash. */
  readonly removing: Set<string>;
  /** Ended tasks already reported (or already ended when first seen), by task id. */
  readonly seenEnded: Set<string>;
  /** The id of `options.network` (services attach by id), once `ready` resolved it. */
  networkId: string;
  closed: boolean;
}

const NS_PER_MS = 1_000_000;

function labelsOf(spec: AgentSpec): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [AGENT_LABEL]: spec.agentId, [OWNER_LABEL]: spec.ownerId };
}

/**
 * The service of `spec`'s agent. Reservations are half the limits: the scheduler keeps that much
 * free per agent on a node, while an agent may burst to its limit. Swarm restarts a failed task
 * after `restartDelayMs`, at most `maxRestarts` times in a 60 s window (the lifecycle's limits).
 */
export function serviceSpec(state: SwarmRuntimeState, spec: AgentSpec, secret: { id: string; name: string }): Docker.CreateServiceOptions {
  const { options, hostNetwork } = state;
  const port = hostNetwork ? spec.port : CONTAINER_PORT;
  const { AGENT_TOKEN: _token, ...env } = spec.env;
  const memory = options.memoryMb * 1024 * 1024;
  const nanoCpus = Math.round(options.cpus * 1e9);
  const labels = labelsOf(spec);
  return {
    Name: containerName(spec.agentId),
    Labels: labels,
    Mode: { Replicated: { Replicas: 1 } },
    TaskTemplate: {
      ContainerSpec: {
        Image: options.image,
        Labels: labels,
        User: options.user ?? '10001:10001',
        Env: Object.entries({
          ...env,
          AGENT_TOKEN_FILE: TOKEN_SECRET_PATH,
          PORT: String(port),
          HOST: hostNetwork ? '127.0.0.1' : '0.0.0.0',
        }).map(([k, v]) => `${k}=${v}`),
        ReadOnly: true,
        Mounts: [{ Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 16 * 1024 * 1024, Mode: 0o1777 } }],
        CapabilityDrop: ['ALL'],
        StopGracePeriod: 5_000 * NS_PER_MS,
        Secrets: [
          { SecretID: secret.id, SecretName: secret.name, File: { Name: TOKEN_SECRET_FILE, UID: '10001', GID: '10001', Mode: 0o400 } },
        ],
      },
      Resources: {
        Limits: { MemoryBytes: memory, NanoCPUs: nanoCpus, Pids: 256 },
        Reservations: { MemoryBytes: Math.floor(memory / 2), NanoCPUs: Math.floor(nanoCpus / 2) },
      },
      RestartPolicy: {
        Condition: 'on-failure',
        Delay: (options.restartDelayMs ?? 1000) * NS_PER_MS,
        MaxAttempts: options.maxRestarts,
        Window: 60_000 * NS_PER_MS,
      },
      Placement: { Constraints: options.placement },
      Networks: [{ Target: state.networkId || options.network }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } },
    },
    // Agents are reached by the service's name on the overlay (no published port), or on 127.0.0.1.
    EndpointSpec: hostNetwork ? undefined : { Mode: 'dnsrr' },
  } as Docker.CreateServiceOptions;
}

/** A fresh secret holding the agent's token (secrets are immutable; each session gets its own). */
async function createTokenSecret(docker: Docker, spec: AgentSpec): Promise<{ id: string; name: string }> {
  const token = spec.env.AGENT_TOKEN;
  if (!token) throw new RangeError('AgentSpec.env.AGENT_TOKEN is required by the swarm runtime');
  const name = `${containerName(spec.agentId)}-token-${randomBytes(4).toString('hex')}`;
  const created = (await docker.createSecret({
    Name: name,
    Labels: labelsOf(spec),
    Data: Buffer.from(token, 'utf8').toString('base64'),
  })) as { id?: string; ID?: string };
  return { id: created.id ?? created.ID ?? '', name };
}

/** Creates the agent's service (the engine and network must be ready). */
export async function placeService(state: SwarmRuntimeState, spec: AgentSpec): Promise<PlacedAgent> {
  const { docker, hostNetwork, removing } = state;
  const secret = await createTokenSecret(docker, spec);
  const create = () => docker.createService(serviceSpec(state, spec, secret));
  let service: Docker.Service;
  try {
    try {
      service = await create();
    } catch (error) {
      // 409: a service from an earlier life of this agent (crash, failed start) holds the name.
      if (statusCode(error) !== 409) throw error;
      removing.add(spec.agentId);
      await removeService(state, spec.agentId, { keepSecret: secret.name }).finally(() => removing.delete(spec.agentId));
      service = await create();
    }
  } catch (error) {
    await docker
      .getSecret(secret.id)
      .remove()
      .catch(() => undefined);
    throw error;
  }
  return { handleId: service.id, baseUrl: agentBaseUrl(hostNetwork, spec.agentId, spec.port) };
}

/** The agent's tasks, newest first (any state). */
export async function tasksOf(docker: Docker, serviceName: string): Promise<SwarmTask[]> {
  const tasks = (await docker.listTasks({ filters: { service: [serviceName] } })) as SwarmTask[];
  return tasks.sort((a, b) => (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? ''));
}

/** The fields of a task read here. */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  CreatedAt?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

/**
 * Removes the agent's service and token secrets; already gone is success. Resolves once no task
 * of it runs any more (the agent got SIGTERM and its stop grace), so its port is free again.
 */
export async function removeService(state: SwarmRuntimeState, agentId: string, opts: { keepSecret?: string } = {}): Promise<void> {
  const { docker } = state;
  const name = containerName(agentId);
  try {
    await docker.getService(name).remove();
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const live = (await tasksOf(docker, name).catch(() => [])).filter((t) => !ENDED_TASK_STATES.has(t.Status?.State ?? ''));
    if (live.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const secrets = await docker.listSecrets({ filters: { label: [`${AGENT_LABEL}=${agentId}`] } });
  for (const s of secrets as Array<{ ID: string; Spec?: { Name?: string } }>) {
    if (s.Spec?.Name === opts.keepSecret) continue;
    await docker
      .getSecret(s.ID)
      .remove()
      .catch((e) => state.options.logger.warn({ err: e, agentId }, 'could not remove an agent token secret'));
  }
}

/** The labelled agent services; `running` means the task the hub started still runs (no restart since). */
export async function listManagedServices(state: SwarmRuntimeState): Promise<ManagedAgent[]> {
  const { docker, hostNetwork } = state;
  const services = await docker.listServices({ filters: { label: [`${MANAGED_LABEL}=true`] } });
  const managed = services.filter((s) => s.Spec?.Labels?.[AGENT_LABEL]);
  return Promise.all(
    managed.map(async (s): Promise<ManagedAgent> => {
      const agentId = s.Spec!.Labels![AGENT_LABEL];
      const tasks = await tasksOf(docker, s.Spec!.Name ?? containerName(agentId)).catch(() => []);
      // A task Swarm started after a failure has not had the hub's /start: the agent is idle, not
      // the session the database records, so it is not adopted (the reconcile removes it).
      const running = tasks.length === 1 && tasks[0].Status?.State === 'running';
      const spec = s.Spec!.TaskTemplate as Docker.ContainerTaskSpec | undefined;
      const env = new Map((spec?.ContainerSpec?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      const port = Number(env.get('PORT') ?? CONTAINER_PORT);
      const token = running ? await readLocalToken(docker, s.Spec!.Name ?? containerName(agentId)) : undefined;
      return { agentId, handleId: s.ID, running, baseUrl: agentBaseUrl(hostNetwork, agentId, port), token };
    }),
  );
}

/** The agent service's last `lines` output lines (every task's); none when the service is gone. */
export async function serviceLogs(docker: Docker, agentId: string, lines: number): Promise<string[]> {
  try {
    const raw = (await docker
      .getService(containerName(agentId))
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).slice(-lines);
  } catch {
    return [];
  }
}
