/**
 * Chart images of a trader's agents: gathers the data (candles from the hub's cache, the agent's
 * trades in that window, its open position; closed trades for equity), and has the render pool
 * draw it off the event loop. Every request is scoped to the owner: another trader's agent is
 * not found, like a missing one. Returns the PNG and the figures a caption needs; the chat
 * adapter words the caption.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../../db/orm.js';
import { INTERVALS, isInterval, type Interval } from '../../shared/market.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { maxDrawdown } from '../analytics/equity.js';
import { ownerClosedTrades, ownerTradesInWindow } from '../broker/trades.js';
import { ValidationError } from '../errors.js';
import type { CandleResult, CandleService } from '../market/candle-service.js';
import { MarketDataError } from '../market/errors.js';
import type { BacktestResult, ComparisonResult } from '../backtest/types.js';
import { DEFAULT_TIME_ZONE, normalizeTimeZone } from '../timezone.js';
import { backtestEquitySpec, backtestTradesSpec, comparisonSpec } from './backtest-chart-data.js';
import { positionLevels } from '../../shared/tp-sl-levels.js';
import { candleChartSpec, equityChartSpec, toChartTrade } from './chart-data.js';
import type { ChartTrade, PriceLevel } from './chart-spec.js';
import type { AgentView } from '../agents/agent-view.js';
import { NothingToChartError } from './errors.js';
import { createRenderPool, type ChartRenderer } from './render-pool.js';
import type { Logger } from '../../logger.js';

export interface CandleChart {
  png: Buffer;
  agentId: string;
  agentName: string;
  symbol: string;
  interval: Interval;
  bars: number;
  trades: number;
  timeZone: string;
  simulated: boolean;
  stale: boolean;
}

export interface EquityChart {
  png: Buffer;
  /** The agent's name, or null for all the owner's agents. */
  agentName: string | null;
  trades: number;
  /** Quote currency (USDT). */
  startEquity: number;
  endEquity: number;
  /** Deepest fall from a peak, as a positive fraction (0.25 = 25 %). */
  maxDrawdownPct: number;
  timeZone: string;
}

/** An agent's chart as data, for a client that draws it (the Mini App). Prices in quote currency, times in ms. */
export interface CandleSeries {
  agent: AgentView;
  interval: Interval;
  /** The bars served (oldest first), and whether they are stale or simulated. */
  market: CandleResult;
  /** The agent's trades open within the bars' window, oldest opened first. */
  trades: ChartTrade[];
  /** The open position's entry, TP, SL and liquidation prices. */
  levels: PriceLevel[];
}

export interface ChartService {
  /**
   * The data of agent `agentId`'s candle chart (not drawn): its newest `bars` bars (default the
   * service's), trades and levels. `interval` defaults to the agent's timeframe.
   */
  series(request: { ownerId: string; agent: string; interval?: string; bars?: number }): Promise<CandleSeries>;
  /** Candles of agent `agent` (name, id or id prefix) with its trades and open position; `interval` defaults to the agent's timeframe. */
  candles(request: { ownerId: string; agent: string; interval?: string; timeZone?: string | null }): Promise<CandleChart>;
  /** Equity of one agent, or of all the owner's agents when `agent` is absent. */
  equity(request: { ownerId: string; agent?: string; timeZone?: string | null }): Promise<EquityChart>;
  // The pictures of a backtest or `/compare` result: pure data in (no database, no owner check:
  // the caller got the result for its owner), a 1280×720 PNG out; times in `timeZone` (UTC when
  // null or unknown). They reject with a `ChartError` (`NothingToChartError`: no bars).
  /** Equity against buy-and-hold of the same capital, start capital dashed, max drawdown shaded. */
  backtestEquity(result: BacktestResult, timeZone?: string | null): Promise<Buffer>;
  /** Closes with ▲/▼ entries and ✕ exits (win/loss, liquidation); the last 300 trades when there are more. */
  backtestTrades(result: BacktestResult, timeZone?: string | null): Promise<Buffer>;
  /** The best five equity curves and buy-and-hold, each with its total return. */
  comparison(result: ComparisonResult, timeZone?: string | null): Promise<Buffer>;
  /** Stops the render workers (hub stop). */
  close(): Promise<void>;
}

export interface ChartServiceDeps {
  orm: Orm;
  agents: Pick<AgentDirectory, 'find' | 'list'>;
  candles: Pick<CandleService, 'getCandles'>;
  /** Default: a render pool of one worker thread (./render-pool.ts). */
  renderer?: ChartRenderer;
  logger?: Logger;
  /** Bars on a candle chart (default 200). */
  bars?: number;
}

function chartInterval(input: string | undefined, fallback: Interval): Interval {
  if (input === undefined || input.trim() === '') return fallback;
  const value = input.trim().toLowerCase();
  if (isInterval(value)) return value;
  throw new ValidationError(
    'interval',
    `"${input.trim().slice(0, 16)}" is not a chart interval. Use one of ${INTERVALS.join(', ')}, for example /chart btc-bot 1h.`,
  );
}

function timeZoneOf(stored: string | null | undefined): string {
  return (stored && normalizeTimeZone(stored)) || DEFAULT_TIME_ZONE;
}

/** The newest `bars` bars of `symbol`; a market-data failure becomes a chat-ready `NothingToChartError`. */
async function fetchCandles(candles: ChartServiceDeps['candles'], symbol: string, interval: Interval, bars: number): Promise<CandleResult> {
  try {
    return await candles.getCandles({ symbol, interval, limit: bars, priority: 'normal' });
  } catch (error) {
    if (!(error instanceof MarketDataError)) throw error;
    throw new NothingToChartError(
      `no candles for a chart of ${symbol} ${interval}: ${error.message}`,
      `Prices of ${symbol} (${interval}) are not available right now, so there is no chart. Try again in a minute.`,
    );
  }
}

/** A result with no curve (no bar traded) has nothing to draw. */
function drawable<T extends { bars: number; buyHold: unknown[] }>(result: T): T {
  if (result.bars > 0 && result.buyHold.length > 0) return result;
  throw new NothingToChartError('backtest without bars', 'This backtest traded no bars, so there is nothing to draw.');
}

export function createChartService(deps: ChartServiceDeps): ChartService {
  const bars = deps.bars ?? 200;
  const renderer = deps.renderer ?? createRenderPool({ logger: deps.logger });
  const fork = () => deps.orm.em.fork() as EntityManager;

  async function series(request: Parameters<ChartService['series']>[0]): Promise<CandleSeries> {
    const agent = await deps.agents.find(request.ownerId, request.agent);
    const interval = chartInterval(request.interval, agent.timeframe);
    const market = await fetchCandles(deps.candles, agent.symbol, interval, request.bars ?? bars);
    const from = market.candles.length ? new Date(market.candles[0]!.openTime) : new Date();
    const trades = await ownerTradesInWindow(fork(), { ownerId: request.ownerId, agentId: agent.id, from });
    return { agent, interval, market, trades: trades.map(toChartTrade), levels: positionLevels(agent.position) };
  }

  return {
    series,

    async candles(request) {
      const { agent, interval, market, trades } = await series(request);
      if (market.candles.length === 0)
        throw new NothingToChartError(`no candles for ${agent.symbol}`, `There are no prices of ${agent.symbol} yet.`);
      const spec = candleChartSpec(agent, interval, market, trades, timeZoneOf(request.timeZone));
      const png = await renderer.render(spec);
      const { agentName, symbol, timeZone } = spec;
      const { simulated, stale } = market;
      return {
        png,
        agentId: agent.id,
        agentName,
        symbol,
        interval,
        bars: spec.candles.length,
        trades: trades.length,
        timeZone,
        simulated,
        stale,
      };
    },

    async equity(request) {
      const agents = request.agent ? [await deps.agents.find(request.ownerId, request.agent)] : await deps.agents.list(request.ownerId);
      if (agents.length === 0) throw new NothingToChartError('no agents', 'You have no agents yet: /create makes one.');
      const one = request.agent ? agents[0]! : null;
      const trades = await ownerClosedTrades(fork(), { ownerId: request.ownerId, ...(one ? { agentId: one.id } : {}) });
      if (trades.length === 0)
        throw new NothingToChartError('no closed trades', `No closed trades for ${one?.name ?? 'your agents'} yet: no equity to draw.`);
      const spec = equityChartSpec(agents, one, trades, timeZoneOf(request.timeZone));
      const png = await renderer.render(spec);
      const { curve, timeZone } = spec;
      return {
        png,
        agentName: one?.name ?? null,
        trades: trades.length,
        startEquity: curve[0]!.equity,
        endEquity: curve.at(-1)!.equity,
        maxDrawdownPct: maxDrawdown(curve).pct,
        timeZone,
      };
    },

    backtestEquity: async (result, timeZone) => renderer.render(backtestEquitySpec(drawable(result), timeZoneOf(timeZone))),
    backtestTrades: async (result, timeZone) => renderer.render(backtestTradesSpec(drawable(result), timeZoneOf(timeZone))),
    comparison: async (result, timeZone) => renderer.render(comparisonSpec(drawable(result), timeZoneOf(timeZone))),

    close: () => renderer.close(),
  };
}
