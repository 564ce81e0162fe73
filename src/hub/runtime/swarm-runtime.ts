/**
 * Cluster runtime: one Docker Swarm service per agent through dockerode. A service is named
 * `artic-agent-{id}`, runs one replica, is labelled like a docker-runtime container
 * (`artic.managed=true`, `artic.agent.id`, `artic.owner`), limited and reserved, placed by
 * AGENT_PLACEMENT, restarted by Swarm on failure, locked down (read-only root fs, all
 * capabilities dropped, non-root user), and gets its token as a Swarm secret file, never in its
 * environment. Exits are read from task states (swarm-tasks.ts).
 *
 * Networking: on `host` (a single-node swarm, tests) agents bind 127.0.0.1:{pool port}; on an
 * attachable overlay network (a cluster) the hub, a service on that network, reaches them by
 * service name at port 8000.
 *
 * The parts: `swarm-services.ts` (service spec, place, remove, list, logs), `swarm-tasks.ts`
 * (exits from task states). This file wires them into an `AgentRuntime`.
 */
import Docker from 'dockerode';
import { MANAGED_LABEL } from './docker-engine.js';
import type { AgentExit, AgentRuntime, AgentSpec, ManagedAgent } from './runtime.js';
import {
  listManagedServices,
  placeService,
  removeService,
  serviceBaseUrl,
  serviceLogs,
  type SwarmRuntimeOptions,
  type SwarmRuntimeState,
} from './swarm-services.js';
import { watchTasks } from './swarm-tasks.js';

export type { SwarmRuntimeOptions } from './swarm-services.js';
export { TOKEN_SECRET_PATH } from './swarm-token.js';

/** True when the engine is a manager of an active swarm (services can be created through it). */
export async function swarmManager(docker: Docker): Promise<boolean> {
  const info = (await docker.info().catch(() => undefined)) as
    { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } } | undefined;
  return info?.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true;
}

/** The id of the network agents attach to; an overlay is created (attachable) when missing. */
async function networkIdOf(docker: Docker, name: string): Promise<string> {
  const find = async () => (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
  const existing = await find();
  if (existing) return existing.Id;
  try {
    const created = await docker.createNetwork({
      Name: name,
      Driver: 'overlay',
      Attachable: true,
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

export function createSwarmRuntime(options: SwarmRuntimeOptions): AgentRuntime & { ready(): Promise<void> } {
  const state: SwarmRuntimeState = {
    docker: options.docker ?? new Docker(),
    options,
    hostNetwork: options.network === 'host',
    listeners: new Set(),
    removing: new Set(),
    seenEnded: new Set(),
    networkId: '',
    closed: false,
  };
  const { docker, hostNetwork, listeners, removing } = state;
  let readyPromise: Promise<void> | undefined;
  let stopWatch: (() => void) | undefined;

  const runtime = {
    kind: 'swarm' as const,
    network: options.network,
    hubHost: options.hubHost ?? (hostNetwork ? '127.0.0.1' : 'hub'),

    ready(): Promise<void> {
      readyPromise ??= (async () => {
        state.networkId = await networkIdOf(docker, options.network);
        stopWatch = watchTasks(state);
      })();
      return readyPromise;
    },

    async place(spec: AgentSpec) {
      await runtime.ready();
      return placeService(state, spec);
    },

    baseUrl: (agentId: string, port: number) => serviceBaseUrl(hostNetwork, agentId, port),

    async remove(agentId: string) {
      removing.add(agentId);
      try {
        await removeService(state, agentId);
      } finally {
        // Keep the mark for a poll or two: the task's end may be read after the call returns.
        setTimeout(() => removing.delete(agentId), 5000).unref();
      }
    },

    list(): Promise<ManagedAgent[]> {
      return listManagedServices(state);
    },

    lastLogs(agentId: string, lines = 20): Promise<string[]> {
      return serviceLogs(docker, agentId, lines);
    },

    onExit(listener: (exit: AgentExit) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      state.closed = true;
      stopWatch?.();
    },
  };
  return runtime;
}
