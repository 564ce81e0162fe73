/**
 * From the hub's records to chart specs: trades as markers, the open position as levels, closed
 * trades as an equity curve (the one definition, src/hub/analytics/equity.ts). Pure functions.
 */
import type { Trade } from '../../db/entities/index.js';
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import { positionLevels } from '../../shared/tp-sl-levels.js';
import { equityFromFirstOpen, type EquityPoint } from '../analytics/equity.js';
import type { AgentView } from '../agents/agent-view.js';
import type { CandleResult } from '../market/candle-service.js';
import type { CandleChartSpec, ChartCandle, ChartTrade, EquityChartSpec } from './chart-spec.js';

export function toChartCandle(c: Candle): ChartCandle {
  return { t: c.openTime, o: c.open, h: c.high, l: c.low, c: c.close };
}

export function toChartTrade(t: Trade): ChartTrade {
  return {
    tradeId: t.id,
    side: t.side,
    openedAt: t.openedAt.getTime(),
    entryPrice: t.entryPrice,
    closedAt: t.closedAt ? t.closedAt.getTime() : null,
    exitPrice: t.exitPrice ?? null,
    pnl: t.pnl ?? null,
  };
}

/** The equity of `capital` (quote currency) through the closed `trades`, from the first opening. */
export function tradesEquity(capital: number, trades: readonly Trade[]): EquityPoint[] {
  const closed = trades.filter((t) => t.closedAt !== null && t.closedAt !== undefined);
  return equityFromFirstOpen(
    capital,
    closed.map((t) => ({ openedAt: t.openedAt, closedAt: t.closedAt!, pnl: t.pnl ?? 0 })),
  );
}

/** The candle chart of `agent`: the bars served, its trades in their window (as `toChartTrade` maps them), its open position. */
export function candleChartSpec(
  agent: AgentView,
  interval: Interval,
  market: Pick<CandleResult, 'candles' | 'simulated' | 'stale'>,
  trades: readonly ChartTrade[],
  timeZone: string,
): CandleChartSpec {
  return {
    kind: 'candles',
    agentName: agent.name,
    symbol: agent.symbol,
    interval,
    intervalMs: INTERVAL_MS[interval],
    candles: market.candles.map(toChartCandle),
    trades: [...trades],
    levels: positionLevels(agent.position),
    timeZone,
    notes: [...(market.simulated ? ['simulated prices'] : []), ...(market.stale ? ['prices may be out of date'] : [])],
  };
}

/** The equity of `agents` (their capital together) through their closed `trades`; `one` names a single agent. */
export function equityChartSpec(
  agents: readonly AgentView[],
  one: AgentView | null,
  trades: readonly Trade[],
  timeZone: string,
): EquityChartSpec {
  const capital = agents.reduce((sum, a) => sum + a.amountUsdt, 0);
  return {
    kind: 'equity',
    subject: one ? one.name : `all agents (${agents.length})`,
    quote: 'USDT',
    curve: tradesEquity(capital, trades),
    timeZone,
    notes: [],
  };
}
