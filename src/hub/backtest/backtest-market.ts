/**
 * The hub, as a backtest's engine sees it: historical bars instead of the market data layer, and
 * the paper books (./paper-books.ts: the paper broker's fill model) instead of the broker.
 *
 * Time is the bars': the engine acts at a bar's close. `cursor` is the index of the bar that has
 * just closed; the engine's clock (`now`) reads its close time, `price` is its close, `candles` is
 * the window ending with it — what a paper agent on that timeframe sees when the bar closes.
 * No LLM: a backtest runs with `llmProvider: null`, so the planner uses its rules and the
 * supervisor is never due; a stray call is refused like an unavailable gateway.
 */
import { HubRequestError, type EngineHub } from '../../engine/ports.js';
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import type { PaperCosts } from '../broker/paper.js';
import { createPaperBooks, type BookPosition, type BookTrade } from './paper-books.js';

export type { BookTrade } from './paper-books.js';

export interface BacktestMarket {
  readonly hub: EngineHub;
  /** Index of the bar that has just closed. */
  readonly cursor: number;
  /** Close time of the current bar, UTC ms: the engine's clock. */
  now(): number;
  /** Moves to the next bar; false when there is none (the cursor stays on the last bar). */
  advance(): boolean;
  /** Realised PnL plus the open position marked at the current close, USDT. */
  pnlAt(): number;
  readonly position: Readonly<BookPosition> | null;
  readonly trades: readonly BookTrade[];
}

export interface BacktestMarketOptions {
  bars: readonly Candle[];
  interval: Interval;
  /** Index of the first bar the engine acts on (the bars before it are warm-up). */
  firstBar: number;
  symbol: string;
  simulated: boolean;
  source: string;
  costs: PaperCosts;
  /** The session's leverage (orders carry only the margin; the broker takes it from the agent). */
  leverage: number;
  /** Maintenance margin rate, fraction (the paper broker's). */
  mmr?: number;
}

export function createBacktestMarket(opts: BacktestMarketOptions): BacktestMarket {
  const { bars } = opts;
  const intervalMs = INTERVAL_MS[opts.interval];
  const books = createPaperBooks({ costs: opts.costs, leverage: opts.leverage, mmr: opts.mmr });
  const { symbol, simulated, source } = opts;
  let cursor = opts.firstBar;
  const closeTime = () => bars[cursor]!.openTime + intervalMs;

  const hub: EngineHub = {
    pushStatus: () => {},
    pushDecision: () => {},
    llm: async () => {
      throw new HubRequestError('LLM calls are not made in backtests', 'llm', 503, false, 'llm_unavailable');
    },
    placeOrder: async (order) => books.execute(order, { bar: cursor, price: bars[cursor]!.close, at: new Date(closeTime()).toISOString() }),
    // Answers are written out, not spread from a template: an object spread with added keys costs
    // about 2 µs in Node 20, more than the rest of a tick (these run once per bar).
    candles: async (_symbol, _interval, limit) => ({
      symbol,
      stale: false,
      simulated,
      source,
      interval: opts.interval,
      candles: bars.slice(Math.max(0, cursor + 1 - limit), cursor + 1),
    }),
    price: async () => ({ symbol, stale: false, simulated, source, price: bars[cursor]!.close, at: closeTime() }),
  };

  return {
    hub,
    get cursor() {
      return cursor;
    },
    now: closeTime,
    advance() {
      if (cursor + 1 >= bars.length) return false;
      cursor++;
      return true;
    },
    pnlAt: () => books.pnlAt(bars[cursor]!.close),
    get position() {
      return books.position;
    },
    trades: books.trades,
  };
}
