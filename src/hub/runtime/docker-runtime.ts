/**
 * Production runtime: one container per agent through dockerode. Containers are named
 * `artic-agent-{id}`, labelled (`artic.managed=true`, `artic.agent.id`, `artic.owner`), limited
 * (memory, CPU, pids), locked down (read-only root fs with a small tmpfs, all capabilities
 * dropped, no-new-privileges, non-root user, no Docker socket) and log-rotated. Exits are
 * learnt from the engine's event stream (`die`, `oom`).
 */
import Docker from 'dockerode';
import type { Logger } from '../../logger.js';
import { describeExit, type AgentExit, type AgentRuntime, type AgentSpec, type ManagedAgent } from './runtime.js';

export const MANAGED_LABEL = 'artic.managed';
export const AGENT_LABEL = 'artic.agent.id';
export const OWNER_LABEL = 'artic.owner';
/** Port agents listen on inside their container on a bridge network. */
export const CONTAINER_PORT = 8000;

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

export function containerName(agentId: string): string {
  return `artic-agent-${agentId}`;
}

function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number })?.statusCode;
}

/** True when a Docker engine answers (DOCKER_HOST or the default socket). */
export async function dockerAvailable(docker = new Docker()): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the bridge network unless one of that exact name exists. The engine accepts duplicate
 * names, so look first; `CheckDuplicate` makes a concurrent creator fail instead of duplicating.
 */
export async function ensureNetwork(docker: Docker, name: string): Promise<string> {
  const find = async () => (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
  const existing = await find();
  if (existing) return existing.Id;
  try {
    const created = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [MANAGED_LABEL]: 'true' } });
    return created.id;
  } catch (error) {
    const raced = await find();
    if (raced) return raced.Id;
    throw error;
  }
}

/** Connects a container to a network; already connected is success. */
async function connectContainer(docker: Docker, networkId: string, containerId: string): Promise<void> {
  const network = docker.getNetwork(networkId);
  try {
    await network.connect({ Container: containerId });
  } catch (error) {
    const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
    if (!info?.Containers?.[containerId]) throw error;
  }
}

export function createDockerRuntime(options: DockerRuntimeOptions): AgentRuntime & { ready(): Promise<void> } {
  const docker = options.docker ?? new Docker();
  const hostNetwork = options.network === 'host';
  const listeners = new Set<(exit: AgentExit) => void>();
  /** Agents being removed on purpose: their `die` is not a crash. */
  const removing = new Set<string>();
  const oomSeen = new Set<string>();
  let events: NodeJS.ReadableStream | undefined;
  let readyPromise: Promise<void> | undefined;
  let closed = false;

  const baseUrlFor = (agentId: string, port: number) =>
    hostNetwork ? `http://127.0.0.1:${port}` : `http://${containerName(agentId)}:${CONTAINER_PORT}`;

  async function watchEvents(): Promise<void> {
    const stream = await docker.getEvents({
      filters: { type: ['container'], event: ['die', 'oom'], label: [`${MANAGED_LABEL}=true`] },
    });
    events = stream;
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) handleEvent(line);
      }
    });
    stream.on('error', (error) => options.logger.warn({ err: error }, 'docker event stream error'));
    stream.on('close', () => {
      if (closed) return;
      options.logger.warn('docker event stream closed; reconnecting in 1 s');
      setTimeout(() => void watchEvents().catch((e) => options.logger.error({ err: e }, 'docker events reconnect failed')), 1000);
    });
  }

  function handleEvent(line: string): void {
    let event: { Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    const attrs = event.Actor?.Attributes ?? {};
    const agentId = attrs[AGENT_LABEL];
    if (!agentId) return;
    const action = event.Action ?? event.status;
    if (action === 'oom') {
      oomSeen.add(agentId);
      return;
    }
    if (action !== 'die' || removing.has(agentId)) return;
    void (async () => {
      let oom = oomSeen.delete(agentId);
      const exitCode = attrs.exitCode !== undefined ? Number(attrs.exitCode) : null;
      if (!oom) {
        const info = await docker
          .getContainer(containerName(agentId))
          .inspect()
          .catch(() => undefined);
        oom = info?.State?.OOMKilled ?? false;
      }
      const exit: AgentExit = { agentId, exitCode, oom, reason: describeExit(exitCode, null, oom) };
      for (const l of listeners) l(exit);
    })();
  }

  async function removeContainer(agentId: string, graceSeconds: number): Promise<void> {
    const container = docker.getContainer(containerName(agentId));
    try {
      await container.stop({ t: graceSeconds });
    } catch (error) {
      // 304: already stopped; 404: already gone. Both are success.
      if (statusCode(error) !== 304 && statusCode(error) !== 404) throw error;
    }
    try {
      await container.remove({ force: true });
    } catch (error) {
      if (statusCode(error) !== 404 && statusCode(error) !== 409) throw error;
    }
  }

  const runtime = {
    kind: 'docker' as const,
    network: options.network,
    hubHost: options.hubHost ?? (hostNetwork ? '127.0.0.1' : 'host.docker.internal'),

    ready(): Promise<void> {
      readyPromise ??= (async () => {
        if (!hostNetwork) {
          const networkId = await ensureNetwork(docker, options.network);
          if (options.attachContainer) await connectContainer(docker, networkId, options.attachContainer);
        }
        await watchEvents();
      })();
      return readyPromise;
    },

    async place(spec: AgentSpec) {
      await runtime.ready();
      const port = hostNetwork ? spec.port : CONTAINER_PORT;
      const create = () =>
        docker.createContainer({
          name: containerName(spec.agentId),
          Image: options.image,
          User: options.user ?? '10001:10001',
          Env: Object.entries({ ...spec.env, PORT: String(port), HOST: hostNetwork ? '127.0.0.1' : '0.0.0.0' }).map(
            ([k, v]) => `${k}=${v}`,
          ),
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
        });
      let container: Docker.Container;
      try {
        container = await create();
      } catch (error) {
        // 409: a container from an earlier life of this agent (crash, failed start) holds the name.
        if (statusCode(error) !== 409) throw error;
        removing.add(spec.agentId);
        await removeContainer(spec.agentId, 0).finally(() => removing.delete(spec.agentId));
        container = await create();
      }
      try {
        await container.start();
      } catch (error) {
        await container.remove({ force: true }).catch(() => undefined);
        throw error;
      }
      return { handleId: container.id, baseUrl: baseUrlFor(spec.agentId, spec.port) };
    },

    baseUrl: baseUrlFor,

    async remove(agentId: string, graceMs = 5000) {
      removing.add(agentId);
      try {
        await removeContainer(agentId, Math.ceil(graceMs / 1000));
      } finally {
        // Keep the mark briefly: the `die` event may arrive after the API call returns.
        setTimeout(() => removing.delete(agentId), 5000).unref();
      }
    },

    async list(): Promise<ManagedAgent[]> {
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
            baseUrl: baseUrlFor(agentId, port),
            token: env.get('AGENT_TOKEN'),
          };
        }),
      );
    },

    async lastLogs(agentId: string, lines = 20): Promise<string[]> {
      try {
        const raw = (await docker
          .getContainer(containerName(agentId))
          .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
        return demuxLogs(raw).slice(-lines);
      } catch {
        return [];
      }
    },

    onExit(listener: (exit: AgentExit) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      (events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
  return runtime;
}

/** Docker multiplexes stdout/stderr in 8-byte-header frames when there is no TTY. */
export function demuxLogs(raw: Buffer): string[] {
  const out: string[] = [];
  let offset = 0;
  const text: string[] = [];
  if (raw.length >= 8 && (raw[0] === 1 || raw[0] === 2) && raw[1] === 0 && raw[2] === 0 && raw[3] === 0) {
    while (offset + 8 <= raw.length) {
      const size = raw.readUInt32BE(offset + 4);
      text.push(raw.subarray(offset + 8, offset + 8 + size).toString('utf8'));
      offset += 8 + size;
    }
  } else {
    text.push(raw.toString('utf8'));
  }
  for (const line of text.join('').split('\n')) if (line.trim()) out.push(line);
  return out;
}
