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
import { agentBaseUrl } from './docker-containers.js';
import { ensureNetwork } from './docker-engine.js';
import type { AgentExit, AgentRuntime, AgentSpec, ManagedAgent } from './runtime.js';
import {
  listManagedServices,
  placeService,
  removeService,
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
        // `host` exists on every engine; an overlay is created (attachable) when missing.
        state.networkId = await ensureNetwork(docker, options.network, 'overlay');
        stopWatch = watchTasks(state);
      })();
      return readyPromise;
    },

    async place(spec: AgentSpec) {
      await runtime.ready();
      return placeService(state, spec);
    },

    baseUrl: (agentId: string, port: number) => agentBaseUrl(hostNetwork, agentId, port),

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
