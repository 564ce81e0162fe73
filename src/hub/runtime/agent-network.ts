/**
 * Which Docker network agent containers join, decided by where the hub runs (AGENT_NETWORK=auto):
 * - the hub on the host (no container the engine knows is this process's) → `host`: agents bind
 *   127.0.0.1:{pool port}, the only address a host process can reach without published ports;
 * - the hub in a container on a user-defined network (compose's `artic-net`) → that network: the
 *   hub reaches `artic-agent-{id}:8000` by Docker's DNS and agents reach the hub by its name;
 * - the hub in a container with host networking → `host`;
 * - the hub in a container on the default `bridge` only (no DNS there) → `artic-net`, which the
 *   hub's container then joins.
 * An explicit AGENT_NETWORK wins. `chooseAgentNetwork` is the pure rule; `findHubContainer`
 * gathers its input: container ids this process may run in (cgroup, mountinfo, hostname) that
 * the engine confirms. A `/.dockerenv` alone proves nothing (an engine on the same machine may
 * not know that container), so it is never used.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type Docker from 'dockerode';

/** The network agents join when the hub's container needs one made for them. */
export const DEFAULT_AGENT_NETWORK = 'artic-net';
/** Networks that give no DNS between containers, or none at all. */
const NO_DNS_NETWORKS = new Set(['bridge', 'host', 'none']);

/** The hub's own container, as the engine describes it. */
export interface HubContainer {
  id: string;
  /** Without the leading `/`; agents on a shared network reach the hub by it. */
  name: string;
  /** `HostConfig.NetworkMode`: `host`, `bridge`, `default`, a network name, `container:<id>`. */
  networkMode: string;
  /** Networks it is attached to (`NetworkSettings.Networks` keys). */
  networks: string[];
}

export interface AgentNetworkDecision {
  /** `host` or the name of a bridge network. */
  network: string;
  /** Host name agents use to reach the hub (with the HTTP port). */
  hubHost: string;
  /** The hub's container must join `network` first (it is not attached yet). */
  attachHub: boolean;
  /** One sentence for the boot log. */
  why: string;
  /** Set when the combination cannot work (explicit AGENT_NETWORK against where the hub runs). */
  warning?: string;
}

/** `configured` is AGENT_NETWORK (`auto`, `host` or a network name); `hub` is undefined on the host. */
export function chooseAgentNetwork(configured: string, hub: HubContainer | undefined): AgentNetworkDecision {
  // A container on the host network reaches what the host reaches: 127.0.0.1, no DNS names.
  if (!hub || hub.networkMode === 'host') {
    const where = hub ? `the hub's container ${hub.name} uses host networking` : 'the hub runs on the host';
    if (configured === 'auto')
      return { network: 'host', hubHost: '127.0.0.1', attachHub: false, why: `${where}: agents bind 127.0.0.1:{port}` };
    if (configured === 'host') return { network: 'host', hubHost: '127.0.0.1', attachHub: false, why: 'AGENT_NETWORK=host' };
    return {
      network: configured,
      hubHost: 'host.docker.internal',
      attachHub: false,
      why: `AGENT_NETWORK=${configured}`,
      warning: `${where}, where names on ${configured} do not resolve: every launch will fail; unset AGENT_NETWORK (auto) for host networking`,
    };
  }
  if (configured === 'host') {
    return {
      network: 'host',
      hubHost: '127.0.0.1',
      attachHub: false,
      why: 'AGENT_NETWORK=host',
      warning: `the hub's container ${hub.name} has its own network: agents at 127.0.0.1:{port} of the host are out of its reach; unset AGENT_NETWORK (auto)`,
    };
  }
  if (configured !== 'auto') return onNetwork(configured, hub, `AGENT_NETWORK=${configured}`);
  if (hub.networks.includes(DEFAULT_AGENT_NETWORK))
    return onNetwork(DEFAULT_AGENT_NETWORK, hub, `the hub's container ${hub.name} is on ${DEFAULT_AGENT_NETWORK}`);
  const shared = hub.networks.filter((n) => !NO_DNS_NETWORKS.has(n)).sort();
  if (shared.length > 0) return onNetwork(shared[0], hub, `the hub's container ${hub.name} is on ${shared[0]}`);
  return onNetwork(DEFAULT_AGENT_NETWORK, hub, `the hub's container ${hub.name} is on no network with DNS names`);
}

/** Agents on a bridge network with the hub's container: DNS names both ways. */
function onNetwork(network: string, hub: HubContainer, why: string): AgentNetworkDecision {
  const attachHub = !hub.networks.includes(network);
  return { network, hubHost: hub.name, attachHub, why: attachHub ? `${why}; the hub's container joins ${network}` : why };
}

/** What `findHubContainer` reads: files of /proc and the host name, and the engine's view of a container. */
export interface HubProbe {
  readFile(path: string): string | undefined;
  hostname(): string;
  /** The engine's inspect of `idOrName`, or undefined when it knows no such container. */
  inspect(idOrName: string): Promise<InspectedContainer | undefined>;
}

/** The part of dockerode's `ContainerInspectInfo` used here. */
export interface InspectedContainer {
  Id: string;
  Name: string;
  State?: { Running?: boolean };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

/**
 * Container ids this process may run in, most reliable first: the engine's paths in
 * /proc/self/mountinfo (`/var/lib/docker/containers/<id>/hostname`, cgroup v1 and v2), the
 * cgroup path (`/docker/<id>`, `docker-<id>.scope`), then the host name when it has the
 * engine's default form (the first 12 hex digits of the id).
 */
export function containerIdCandidates(files: { mountinfo?: string; cgroup?: string; hostname?: string }): string[] {
  const ids: string[] = [];
  const add = (id: string | undefined) => {
    if (id && !ids.includes(id)) ids.push(id);
  };
  for (const m of files.mountinfo?.matchAll(/\/containers\/([0-9a-f]{64})\//g) ?? []) add(m[1]);
  for (const m of files.cgroup?.matchAll(/(?:\/docker[/-]|docker-)([0-9a-f]{64})/g) ?? []) add(m[1]);
  const host = files.hostname?.trim();
  if (host && /^[0-9a-f]{12}$/.test(host)) add(host);
  return ids;
}

/** The running container this process is in, as the engine knows it; undefined on the host. */
export async function findHubContainer(probe: HubProbe): Promise<HubContainer | undefined> {
  const candidates = containerIdCandidates({
    mountinfo: probe.readFile('/proc/self/mountinfo'),
    cgroup: probe.readFile('/proc/self/cgroup'),
    hostname: probe.hostname(),
  });
  for (const id of candidates) {
    const info = await probe.inspect(id);
    if (!info?.State?.Running) continue;
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      networkMode: info.HostConfig?.NetworkMode ?? 'default',
      networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    };
  }
  return undefined;
}

/** This process's /proc files and host name, and `docker`'s view of containers. */
export function systemHubProbe(docker: Pick<Docker, 'getContainer'>): HubProbe {
  return {
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    hostname: () => os.hostname(),
    inspect: (id) =>
      docker
        .getContainer(id)
        .inspect()
        .catch(() => undefined),
  };
}
