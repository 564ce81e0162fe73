/**
 * Trader analytics as a hub service (`hub.analytics`): reads closed trades and capital through
 * their tables' doors (src/hub/broker/trades.ts, src/hub/agents/agent-store.ts) and computes the
 * figures with the pure modules beside it. Every read an owner makes is scoped to that owner: an
 * agent id that is not theirs yields no trades and no capital. The caller passes `now` (its clock).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import * as agentStore from '../agents/agent-store.js';
import { closedPaperTradesOf, closedTradesOfOwner, type ClosedTradeRecord } from '../broker/trades.js';
import { statsByCloseKind, type CloseKindStats } from './close-reasons.js';
import { rankLeaderboard, type LeaderboardRow } from './leaderboard.js';
import { groupRows, periodRows, periodsSince, type GroupRow, type PeriodRow, type PeriodUnit } from './periods.js';
import { tradeStats, type TradeStats } from './trade-stats.js';

/** Which trades a report covers: the owner's agents, or one of them; closed at or after `since`. */
export interface ReportScope {
  agentId?: string;
  since?: Date;
}

export interface CloseKindReport {
  /** Capital the ROI of every kind is measured on (USDT). */
  capital: number;
  kinds: Array<CloseKindStats<ClosedTradeRecord>>;
}

export interface PerformanceReport {
  bySymbol: GroupRow[];
  /** Keyed by the agent's strategy; `auto` when the agent has none (the planner picks). */
  byStrategy: GroupRow[];
}

export interface AnalyticsService {
  /** The /profit figures (./trade-stats.ts) over the capital of the agents in scope. */
  profit(ownerId: string, scope?: ReportScope): Promise<TradeStats<ClosedTradeRecord>>;
  /** The same figures per close kind (/stats). */
  byCloseKind(ownerId: string, scope?: ReportScope): Promise<CloseKindReport>;
  /** The last `count` UTC days, ISO weeks or months up to `nowMs`, newest first. */
  periods(ownerId: string, unit: PeriodUnit, count: number, nowMs: number, scope?: Pick<ReportScope, 'agentId'>): Promise<PeriodRow[]>;
  performance(ownerId: string, scope?: ReportScope): Promise<PerformanceReport>;
  /** Opted-in paper agents ranked by ROI: names and figures, never owners. */
  leaderboard(): Promise<LeaderboardRow[]>;
  /** False when the owner has no agent `agentId`. */
  setLeaderboardOptIn(ownerId: string, agentId: string, optIn: boolean): Promise<boolean>;
  /** Opts all the owner's agents out; the names of those that were in. */
  optOutAll(ownerId: string): Promise<string[]>;
}

/** The strategy key of a trade whose agent has none. */
export const AUTO_STRATEGY = 'auto';

export function createAnalyticsService({ orm }: { orm: Orm }): AnalyticsService {
  const fork = (): EntityManager => orm.em.fork() as EntityManager;
  const trades = (ownerId: string, scope: ReportScope = {}) => closedTradesOfOwner(fork(), ownerId, scope);
  const capital = (ownerId: string, scope: ReportScope = {}) => agentStore.capitalOfOwned(orm, ownerId, scope.agentId);

  return {
    async profit(ownerId, scope) {
      const [closed, money] = await Promise.all([trades(ownerId, scope), capital(ownerId, scope)]);
      return tradeStats(closed, money);
    },
    async byCloseKind(ownerId, scope) {
      const [closed, money] = await Promise.all([trades(ownerId, scope), capital(ownerId, scope)]);
      return { capital: money, kinds: statsByCloseKind(closed, money) };
    },
    async periods(ownerId, unit, count, nowMs, scope = {}) {
      const closed = await trades(ownerId, { ...scope, since: periodsSince(unit, count, nowMs) });
      return periodRows(unit, closed, count, nowMs);
    },
    async performance(ownerId, scope) {
      const closed = await trades(ownerId, scope);
      return {
        bySymbol: groupRows(closed, (t) => t.symbol),
        byStrategy: groupRows(closed, (t) => t.strategy ?? AUTO_STRATEGY),
      };
    },
    async leaderboard() {
      const entrants = await agentStore.leaderboardEntrants(orm);
      const closed = await closedPaperTradesOf(
        fork(),
        entrants.map((e) => e.id),
      );
      return rankLeaderboard(
        entrants.map((e) => ({ name: e.name, capital: e.amountUsdt, trades: closed.filter((t) => t.agentId === e.id) })),
      );
    },
    setLeaderboardOptIn: (ownerId, agentId, optIn) => agentStore.setLeaderboardOptIn(orm, ownerId, agentId, optIn),
    optOutAll: (ownerId) => agentStore.optOutAllOwned(orm, ownerId),
  };
}
