/**
 * The hub's leadership, assembled: the election on its own PostgreSQL session (./leader.ts) and
 * the leader-only tasks of the core (./leader-tasks.ts), in the order a booting hub has always
 * started them: live-order reconcile → chain outbox worker → agent reconcile (adopt, orphans,
 * missing) → retention. Adapters add theirs after (the bot: outbound sender, Telegram updates).
 *
 * Every replica serves HTTP, `/internal/*`, `/ws`, the webhook and `/api`, and writes what it is
 * handed (trades, decisions, chain entries, bot messages); only the leader runs these tasks. A
 * lone hub is simply leader at once: `start()` resolves after its tasks started.
 */
import type { ResolvedConfig } from '../../config.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import type { AgentLifecycle } from '../agents/lifecycle.js';
import type { LiveOrderReconciler } from '../broker/reconcile-schedule.js';
import type { ChainLogger } from '../chain/chain-logger.js';
import type { Retention } from '../retention.js';
import { CHAIN_CHANNEL, OUTBOX_CHANNEL } from './channels.js';
import { createLeaderElection, type LeaderElection, type ReplicaRole } from './leader.js';
import { createLeaderTasks, type LeaderTask } from './leader-tasks.js';

export type { LeaderTask } from './leader-tasks.js';

export interface Leadership {
  readonly replicaId: string;
  role(): ReplicaRole;
  /** Adds a leader-only task after the others (see `LeaderTasks.add`); returns its removal. */
  add(task: LeaderTask): () => Promise<void>;
  /** Names of the leader tasks running on this replica now. */
  running(): string[];
  /** Resolves when the starts and stops asked for so far are done. */
  settled(): Promise<void>;
  /** Calls `listener` when another replica NOTIFYs `channel` (one of ./channels.ts). */
  onNotify(channel: string, listener: () => void): () => void;
  /** Joins the election; resolves once the first try is over (and, when won, the tasks started). */
  start(): Promise<void>;
  /** Leaves the election: the tasks stop (reverse order), then the lock session closes. */
  stop(): Promise<void>;
}

export interface LeadershipParts {
  liveOrders: LiveOrderReconciler;
  chain: ChainLogger;
  lifecycle: Pick<AgentLifecycle, 'reconcile'>;
  retention: Retention;
}

/** The core's leader-only tasks, in start order. */
function coreTasks({ liveOrders, chain, lifecycle, retention }: LeadershipParts): LeaderTask[] {
  return [
    // Before agents are adopted: a fill the last leader did not live to record is booked first.
    { name: 'live-order-reconcile', start: () => liveOrders.start(), stop: () => liveOrders.stop() },
    { name: 'chain-outbox', start: () => chain.start(), stop: () => chain.stop() },
    // Adopts what runs, records what is missing; probes of held sessions then run on every replica.
    { name: 'agent-reconcile', start: async () => void (await lifecycle.reconcile()), stop: () => undefined },
    { name: 'retention', start: () => retention.start(), stop: () => retention.stop() },
  ];
}

export function buildLeadership(deps: { config: ResolvedConfig; orm: Orm; logger: Logger }, parts: LeadershipParts): Leadership {
  const log = deps.logger.child({ part: 'leader' });
  const election: LeaderElection = createLeaderElection({
    connectionString: deps.orm.config.get('clientUrl')!,
    replicaId: deps.config.cluster.replicaId,
    retryMs: deps.config.cluster.leaderRetryMs,
    channels: [OUTBOX_CHANNEL, CHAIN_CHANNEL],
    logger: log,
  });
  const tasks = createLeaderTasks(election, log);
  for (const task of coreTasks(parts)) tasks.add(task);
  // Chain entries written on another replica wake the leader's worker at once (it also polls).
  election.on('notify', (channel) => {
    if (channel === CHAIN_CHANNEL && election.role() === 'leader') parts.chain.wake();
  });

  return {
    replicaId: election.replicaId,
    role: () => election.role(),
    add: (task) => tasks.add(task),
    running: () => tasks.running(),
    settled: () => tasks.settled(),
    onNotify: (channel, listener) =>
      election.on('notify', (c) => {
        if (c === channel) listener();
      }),
    async start() {
      await election.start();
      await tasks.settled();
    },
    async stop() {
      await election.stop();
      await tasks.close();
    },
  };
}
