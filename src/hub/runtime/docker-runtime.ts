/**
 * Production runtime: one container per agent through dockerode. Containers are named
 * `artic-agent-{id}`, labelled (`artic.managed=true`, `artic.agent.id`, `artic.owner`), limited
 * (memory, CPU, pids), locked down (read-only root fs with a small tmpfs, all capabilities
 * dropped, no-new-privileges, non-root user, no Docker socket) and log-rotated. Exits are
 * learnt from the engine's event stream (`die`, `oom`).
 *
 * The parts: `docker-engine.ts` (labels, names, network, removal, log frames),
 * `docker-containers.ts` (container spec, place, list for adoption, logs), `docker-events.ts`
 * (exits from the event stream). This file wires them into an `AgentRuntime`.
 */
import Docker from 'dockerode';
import {
  agentBaseUrl,
  containerLogs,
  listManagedContainers,
  placeContainer,
  type DockerRuntimeOptions,
  type DockerRuntimeState,
} from './docker-containers.js';
import { connectContainer, ensureNetwork, removeContainer } from './docker-engine.js';
import { watchEvents } from './docker-events.js';
import type { AgentExit, AgentRuntime, AgentSpec, ManagedAgent } from './runtime.js';

export type { DockerRuntimeOptions } from './docker-containers.js';
// What tests, benches and runtime selection use: the marks of an agent's container, the engine checks.
export { AGENT_LABEL, CONTAINER_PORT, MANAGED_LABEL, OWNER_LABEL, containerName } from './docker-engine.js';
export { demuxLogs, dockerAvailable, ensureNetwork } from './docker-engine.js';

export function createDockerRuntime(options: DockerRuntimeOptions): AgentRuntime & { ready(): Promise<void> } {
  const state: DockerRuntimeState = {
    docker: options.docker ?? new Docker(),
    options,
    hostNetwork: options.network === 'host',
    listeners: new Set(),
    removing: new Set(),
    oomSeen: new Set(),
    events: undefined,
    closed: false,
  };
  const { docker, hostNetwork, listeners, removing } = state;
  let readyPromise: Promise<void> | undefined;

  const baseUrlFor = (agentId: string, port: number) => agentBaseUrl(hostNetwork, agentId, port);

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
        await watchEvents(state);
      })();
      return readyPromise;
    },

    async place(spec: AgentSpec) {
      await runtime.ready();
      return placeContainer(state, spec);
    },

    baseUrl: baseUrlFor,

    async remove(agentId: string, graceMs = 5000) {
      removing.add(agentId);
      try {
        await removeContainer(docker, agentId, Math.ceil(graceMs / 1000));
      } finally {
        // Keep the mark briefly: the `die` event may arrive after the API call returns.
        setTimeout(() => removing.delete(agentId), 5000).unref();
      }
    },

    async list(): Promise<ManagedAgent[]> {
      return listManagedContainers(state);
    },

    async lastLogs(agentId: string, lines = 20): Promise<string[]> {
      return containerLogs(docker, agentId, lines);
    },

    onExit(listener: (exit: AgentExit) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      state.closed = true;
      (state.events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
  return runtime;
}
