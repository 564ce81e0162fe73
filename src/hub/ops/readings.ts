/**
 * The operator's readings: one snapshot of how the hub is doing, gathered in one place for both
 * `/metrics` (src/hub/ops/metrics.ts sets its gauges from it at each scrape) and `/admin` in chat.
 *
 * Cheap by design: two `group by` counts (users, agents), one aggregate over the chain outbox's
 * unsent rows, in-memory queue depths, the host from `os`, and the signer's balance from a cache
 * refreshed at most every `balanceMaxAgeMs` (30 s): a scrape never waits on the RPC longer than
 * `balanceWaitMs`, and an unreachable node is asked again only after the same interval.
 * The last crash is the last `agent.crashed` event this process saw (null until one happens).
 */
import os from 'node:os';
import type { Orm } from '../../db/orm.js';
import { AGENT_STATUSES, USER_STATUSES } from '../../shared/wire.js';
import { countByStatus } from '../agents/agent-store.js';
import type { BacktestService } from '../backtest/types.js';
import type { ChainLogger } from '../chain/chain-logger.js';
import { outboxLag } from '../chain/outbox.js';
import type { HubEvents } from '../events.js';
import type { Market } from '../market/market-from-config.js';

export interface LastCrash {
  agentId: string;
  agentName: string;
  /** Epoch ms. */
  at: number;
  reason: string;
}

export interface OpsSnapshot {
  /** Epoch ms the snapshot was taken. */
  at: number;
  /** Every status is present, 0 when none. */
  users: Record<string, number>;
  agents: Record<string, number>;
  host: {
    /** 1, 5 and 15 minute load averages. */
    load: [number, number, number];
    cpus: number;
    memTotalBytes: number;
    memFreeBytes: number;
    /** The hub process's resident memory. */
    rssBytes: number;
  };
  queues: {
    /** Bot messages waiting in the outbound queue; null without a bot. */
    outbound: number | null;
    /** Chain outbox entries not yet on chain. */
    chainOutbox: number;
    backtests: { waiting: number; running: number };
  };
  market: {
    provider: string;
    /** Credits left today and the daily budget; null for providers without a daily budget. */
    credits: { left: number; budget: number } | null;
  };
  chain: {
    enabled: boolean;
    /** Seconds since the oldest entry not yet on chain was written; 0 when none waits. */
    lagSeconds: number;
    /** The signer's balance in wei as last read, and when (epoch ms); null when disabled or never read. */
    balance: { wei: bigint; at: number } | null;
  };
  lastCrash: LastCrash | null;
}

export interface OpsReadingsDeps {
  orm: Orm;
  events: HubEvents;
  chain: Pick<ChainLogger, 'enabled' | 'signerBalanceWei'>;
  market: Pick<Market, 'provider' | 'limiter'>;
  backtests: Pick<BacktestService, 'depth'>;
  /** Depth of the chat adapter's outbound queue; undefined (or returning undefined) without a bot. */
  outbound?: () => { waiting: number } | undefined;
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
  /** Oldest signer balance served before the node is asked again (ms, default 30 000). */
  balanceMaxAgeMs?: number;
  /** Longest a snapshot waits for a balance refresh before serving the cached one (ms, default 2 000). */
  balanceWaitMs?: number;
}

export interface OpsReadings {
  snapshot(): Promise<OpsSnapshot>;
  /** Stops listening to hub events. */
  close(): void;
}

/** `{status: n}` with every status of `statuses` present. */
function byStatus(statuses: readonly string[], rows: Array<{ status: string; n: number }>): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(statuses.map((s) => [s, 0]));
  for (const { status, n } of rows) counts[status] = (counts[status] ?? 0) + n;
  return counts;
}

/** Users per status (users.ts owns the table's writes; this count is the operator's only read of it). */
async function countUsersByStatus(orm: Orm): Promise<Array<{ status: string; n: number }>> {
  const rows = (await orm.em.fork().getConnection().execute('select status, count(*)::int as n from users group by status')) as Array<{
    status: string;
    n: number;
  }>;
  return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
}

/** The signer's balance, cached: the node is asked at most once per `maxAgeMs`, waited on at most `waitMs`. */
function createBalanceCache(chain: OpsReadingsDeps['chain'], now: () => number, maxAgeMs: number, waitMs: number) {
  let cached: { wei: bigint; at: number } | null = null;
  let askedAt = -Infinity;
  let asking: Promise<void> | undefined;
  return async (): Promise<{ wei: bigint; at: number } | null> => {
    if (!chain.enabled) return null;
    if (now() - askedAt >= maxAgeMs) {
      askedAt = now();
      asking = chain.signerBalanceWei().then(
        (wei) => {
          if (wei !== null) cached = { wei, at: now() };
        },
        () => undefined, // unreachable: the last value stays, with its age
      );
    }
    if (asking) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      await Promise.race([asking, bound]);
      clearTimeout(timer);
    }
    return cached;
  };
}

export function createOpsReadings(deps: OpsReadingsDeps): OpsReadings {
  const now = deps.now ?? Date.now;
  const balance = createBalanceCache(deps.chain, now, deps.balanceMaxAgeMs ?? 30_000, deps.balanceWaitMs ?? 2_000);
  let lastCrash: LastCrash | null = null;
  const off = deps.events.on('agent.crashed', (e) => {
    lastCrash = { agentId: e.agentId, agentName: e.agentName, at: now(), reason: e.reason };
  });

  async function credits(): Promise<OpsSnapshot['market']['credits']> {
    const limiter = deps.market.limiter;
    if (!limiter || !Number.isFinite(limiter.stats().dailyCredits)) return null;
    // As the store counts them: every hub on the database spends from the same day.
    const { used, limit } = await limiter.creditsToday();
    return { left: Math.max(0, limit - used), budget: limit };
  }

  return {
    async snapshot() {
      const [users, agents, outbox, marketCredits, signer] = await Promise.all([
        countUsersByStatus(deps.orm),
        countByStatus(deps.orm),
        outboxLag(deps.orm),
        credits(),
        balance(),
      ]);
      const at = now();
      const [l1, l5, l15] = os.loadavg();
      return {
        at,
        users: byStatus(USER_STATUSES, users),
        agents: byStatus(AGENT_STATUSES, agents),
        host: {
          load: [l1, l5, l15],
          cpus: os.availableParallelism(),
          memTotalBytes: os.totalmem(),
          memFreeBytes: os.freemem(),
          rssBytes: process.memoryUsage.rss(),
        },
        queues: {
          outbound: deps.outbound?.()?.waiting ?? null,
          chainOutbox: outbox.waiting,
          backtests: deps.backtests.depth(),
        },
        market: { provider: deps.market.provider, credits: marketCredits },
        chain: {
          enabled: deps.chain.enabled,
          lagSeconds: outbox.oldestAt ? Math.max(0, (at - outbox.oldestAt.getTime()) / 1000) : 0,
          balance: signer,
        },
        lastCrash,
      };
    },
    close: off,
  };
}
