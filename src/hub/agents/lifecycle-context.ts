/**
 * What the parts of the agent lifecycle share (spawn.ts, halt.ts, supervise.ts, reconcile.ts,
 * composed in lifecycle.ts): the options the hub builds it with, and the hub's in-memory view of
 * the sessions it runs — their handles, the one-operation-per-agent queue, the pending restarts.
 * The database row stays the record of an agent's status; this state is what a hub restart loses
 * and `reconcile` rebuilds.
 */
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { OrderResult } from '../../shared/wire.js';
import type { AgentCredentials } from '../auth/agent-credentials.js';
import type { OwnerCloseReason } from '../broker/order-rules.js';
import type { HubEvents } from '../events.js';
import type { AgentExit, AgentRuntime } from '../runtime/runtime.js';
import type { AgentDirectory } from './agent-directory.js';
import type { PortAllocator } from './port-allocator.js';
import type { AgentQuotas } from './quotas.js';

export interface LifecycleOptions {
  orm: Orm;
  runtime: AgentRuntime;
  ports: PortAllocator;
  /** Agent tokens: a new generation at every start; the current one for an adopted agent. */
  tokens: Pick<AgentCredentials, 'issue' | 'current'>;
  events: HubEvents;
  directory: AgentDirectory;
  logger: Logger;
  /**
   * URLs agents use to reach the hub, one per replica, in order of preference (a function: the
   * HTTP port may be known only after listen). At least one.
   */
  hubUrls: () => string[];
  /** NODE_OPTIONS every agent runs with (AGENT_NODE_OPTIONS); '' or unset: Node's defaults. */
  agentNodeOptions?: string;
  restartOnCrash: boolean;
  maxRestarts: number;
  healthIntervalMs: number;
  /** Health wait during spawn: per attempt and in total. */
  healthAttemptMs?: number;
  healthBudgetMs?: number;
  /** Consecutive failed probes before a running agent counts as crashed. */
  healthFailuresToCrash?: number;
  restartBaseDelayMs?: number;
  /** MAX_RUNNING_AGENTS_PER_USER, claimed by `start` (restarts after a crash keep their slot). */
  quotas?: AgentQuotas;
  /** The broker's market close of an agent's trade for its owner (`broker.closeForOwner`). */
  closeForOwner: (agentId: string, tradeId: string, reason?: OwnerCloseReason) => Promise<OrderResult>;
}

/** How the hub reaches a session it runs or adopted. */
export interface SessionHandle {
  baseUrl: string;
  token: string;
  healthFailures: number;
}

export interface LifecycleContext {
  opts: LifecycleOptions;
  log: Logger;
  /** Sessions this hub runs or adopted, by agent id. */
  handles: Map<string, SessionHandle>;
  /** Runtime exits of agents that were `starting`: the spawn under way fails on them. */
  exitedDuringSpawn: Map<string, AgentExit>;
  /** One operation per agent at a time (start, stop, crash handling). */
  serial<T>(agentId: string, work: () => Promise<T>): Promise<T>;
  /** True while an operation on the agent runs or waits its turn. */
  busy(agentId: string): boolean;
  /** Restarts after a crash, waiting their backoff, by agent id. */
  restarts: PendingRestarts;
  /** Set by `close`: no crash is handled and no restart begins after it. */
  closed: boolean;
  /** Waits for every operation under way. */
  settle(): Promise<void>;
}

export interface PendingRestarts {
  set(agentId: string, timer: NodeJS.Timeout): void;
  has(agentId: string): boolean;
  cancel(agentId: string): void;
  cancelAll(): void;
}

function createPendingRestarts(): PendingRestarts {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    set: (agentId, timer) => void timers.set(agentId, timer),
    has: (agentId) => timers.has(agentId),
    cancel(agentId) {
      clearTimeout(timers.get(agentId));
      timers.delete(agentId);
    },
    cancelAll() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

export function createLifecycleContext(opts: LifecycleOptions): LifecycleContext {
  const inFlight = new Map<string, Promise<unknown>>();
  return {
    opts,
    log: opts.logger.child({ part: 'lifecycle' }),
    handles: new Map(),
    exitedDuringSpawn: new Map(),
    serial(agentId, work) {
      const previous = inFlight.get(agentId) ?? Promise.resolve();
      const next = previous.catch(() => undefined).then(work);
      inFlight.set(agentId, next);
      void next
        .finally(() => {
          if (inFlight.get(agentId) === next) inFlight.delete(agentId);
        })
        .catch(() => undefined);
      return next;
    },
    busy: (agentId) => inFlight.has(agentId),
    restarts: createPendingRestarts(),
    closed: false,
    async settle() {
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
