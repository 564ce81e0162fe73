/**
 * The Docker engine calls the docker runtime is built from, each safe to repeat: the labels and
 * names that mark an agent's container, the bridge network (created idempotently), removal that
 * treats "already gone" as success, and the frame format of container logs.
 */
import Docker from 'dockerode';

export const MANAGED_LABEL = 'artic.managed';
export const AGENT_LABEL = 'artic.agent.id';
export const OWNER_LABEL = 'artic.owner';
/** Port agents listen on inside their container on a bridge network. */
export const CONTAINER_PORT = 8000;

export function containerName(agentId: string): string {
  return `artic-agent-${agentId}`;
}

export function statusCode(error: unknown): number | undefined {
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
 * Creates the network (a bridge, or for the swarm runtime an attachable overlay) unless one of
 * that exact name exists; returns its id. The engine accepts duplicate names, so look first;
 * `CheckDuplicate` makes a concurrent creator fail instead of duplicating.
 */
export async function ensureNetwork(docker: Docker, name: string, driver: 'bridge' | 'overlay' = 'bridge'): Promise<string> {
  const find = async () => (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
  const existing = await find();
  if (existing) return existing.Id;
  try {
    const created = await docker.createNetwork({
      Name: name,
      Driver: driver,
      ...(driver === 'overlay' ? { Attachable: true } : {}),
      CheckDuplicate: true,
      Labels: { [MANAGED_LABEL]: 'true' },
    });
    return created.id;
  } catch (error) {
    const raced = await find();
    if (raced) return raced.Id;
    throw error;
  }
}

/** Connects a container to a network; already connected is success. */
export async function connectContainer(docker: Docker, networkId: string, containerId: string): Promise<void> {
  const network = docker.getNetwork(networkId);
  try {
    await network.connect({ Container: containerId });
  } catch (error) {
    const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
    if (!info?.Containers?.[containerId]) throw error;
  }
}

/** Stops (with `graceSeconds`) and removes an agent's container; already stopped or gone is success. */
export async function removeContainer(docker: Docker, agentId: string, graceSeconds: number): Promise<void> {
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
