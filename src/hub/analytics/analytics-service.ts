/**
 * Trader analytics as a hub service (`hub.analytics`): reads closed trades and capital through
 * their tables' doors (src/hub/broker/trades.ts, src/hub/agents/agent-store.ts) and computes the
 * figures with the pure modules beside it. Every read an owner makes is scoped to that owner: an
 * agent id that is not theirs yields no trades and no capital. The caller passes `now` (its clock).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Trade } from '../../db/entities/index.js';
import type { Orm } from '../../db/orm.js';
import * as agentStore from '../agents/agent-store.js';
import { closedPaperTradesOf, ownerClosedTradeRows, type ClosedTradeRow } from '../broker/trades.js';
import { statsByCloseKind, type CloseKindStats } from './close-reasons.js';
import { equityFromFirstOpen, type EquityPoint } from './equity.js';
import { rankLeaderboard, type LeaderboardRow } from './leaderboard.js';
import { groupRows, periodRows, periodsSince, type GroupRow, type PeriodRow, type PeriodUnit } from './periods.js';
import { tradeStats, type TradeStats } from './trade-stats.js';

/**
 * A closed trade as the analytics read it. Money in quote currency (USDT), `pnl` net of fees, qty
 * in base units. `strategy` is the agent's (configured, else the one it ran last): trades do not
 * record the strategy they were opened under.
 */
export type ClosedTrade = ClosedTradeRow;

/** A closed trade row whose agent is populated (as the trades door returns it). */
export function toClosedTrade(t: Trade): ClosedTrade {
  return {
    id: t.id,
    agentId: t.agent.id,
    agentName: t.agent.name,
    symbol: t.agent.symbol,
    strategy: t.agent.strategy ?? t.agent.activeStrategy ?? null,
    side: t.side,
    qty: t.qty,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice ?? t.entryPrice,
    margin: t.margin,
    leverage: t.leverage,
    fees: t.fees,
    pnl: t.pnl ?? 0,
    openedAt: t.openedAt,
    closedAt: t.closedAt ?? t.openedAt,
    closeReason: t.closeReason ?? null,
    live: t.live,
  };
}

/** Which trades a report covers: the owner's agents, or one of them; closed at or after `since`. */
export interface ReportScope {
  agentId?: string;
  since?: Date;
}

export interface CloseKindReport {
  /** Capital the ROI of every kind is measured on (USDT). */
  capital: number;
  kinds: Array<CloseKindStats<ClosedTrade>>;
}

export interface PerformanceReport {
  bySymbol: GroupRow[];
  /** Keyed by the agent's strategy; `auto` when the agent has none (the planner picks). */
  byStrategy: GroupRow[];
}

export interface AnalyticsService {
  /** The /profit figures (./trade-stats.ts) over the capital of the agents in scope. */
  profit(ownerId: string, scope?: ReportScope): Promise<TradeStats<ClosedTrade>>;
  /** The equity curve of the capital in scope through its closed trades (from the first opening). */
  equity(ownerId: string, scope?: ReportScope): Promise<{ capital: number; points: EquityPoint[] }>;
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
  const trades = (ownerId: string, scope: ReportScope = {}): Promise<ClosedTrade[]> => ownerClosedTradeRows(fork(), { ownerId, ...scope });
  const capital = (ownerId: string, scope: ReportScope = {}) => agentStore.capitalOfOwned(orm, ownerId, scope.agentId);

  return {
    async profit(ownerId, scope) {
      const [closed, money] = await Promise.all([trades(ownerId, scope), capital(ownerId, scope)]);
      return tradeStats(closed, money);
    },
    async equity(ownerId, scope) {
      const [closed, money] = await Promise.all([trades(ownerId, scope), capital(ownerId, scope)]);
      return { capital: money, points: equityFromFirstOpen(money, closed) };
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
      const closed = (
        await closedPaperTradesOf(
          fork(),
          entrants.map((e) => e.id),
        )
      ).map(toClosedTrade);
      return rankLeaderboard(
        entrants.map((e) => ({ name: e.name, capital: e.amountUsdt, trades: closed.filter((t) => t.agentId === e.id) })),
      );
    },
    setLeaderboardOptIn: (ownerId, agentId, optIn) => agentStore.setLeaderboardOptIn(orm, ownerId, agentId, optIn),
    optOutAll: (ownerId) => agentStore.optOutAllOwned(orm, ownerId),
  };
}
