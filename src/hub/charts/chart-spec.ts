/**
 * What a chart image is drawn from: plain, structured-cloneable data (it crosses into the render
 * worker), no ORM entities, no functions. The hub's chart service fills it from candles, trades
 * and the agent's open position; the renderer turns it into a PNG.
 *
 * Units: times are epoch milliseconds; prices and money are in quote currency (USDT for BTCUSDT).
 */
import { LEVEL_KINDS } from '../../shared/contract/api.js';
import type { EquityPoint } from '../analytics/equity.js';

/** Every chart image is this size (px): 16:9, sharp on a phone. */
export const CHART_WIDTH = 1280;
export const CHART_HEIGHT = 720;

/** One bar: open time and OHLC prices. */
export interface ChartCandle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
}

/** A trade as drawn: an entry marker, and an exit marker once closed. */
export interface ChartTrade {
  /** The trade's id (the Mini App's markers name it; an image does not need it). */
  tradeId?: string;
  side: 'long' | 'short';
  openedAt: number;
  entryPrice: number;
  closedAt: number | null;
  exitPrice: number | null;
  /** Net PnL (closed trades), colours the line from entry to exit. */
  pnl: number | null;
}

// The kinds are the client API's (the Mini App draws the same lines): one list.
export { LEVEL_KINDS };
export type LevelKind = (typeof LEVEL_KINDS)[number];

/** A horizontal line of the open position: its entry, take-profit, stop-loss, liquidation price. */
export interface PriceLevel {
  kind: LevelKind;
  price: number;
}

export interface CandleChartSpec {
  kind: 'candles';
  agentName: string;
  symbol: string;
  /** The bar interval as the product spells it (`15m`); `intervalMs` is its length. */
  interval: string;
  intervalMs: number;
  /** Oldest first. */
  candles: ChartCandle[];
  trades: ChartTrade[];
  levels: PriceLevel[];
  /** IANA time zone the time axis is written in (`UTC`, `Europe/Berlin`). */
  timeZone: string;
  /** Extra words for the footer (e.g. `simulated prices`). */
  notes: string[];
}

export interface EquityChartSpec {
  kind: 'equity';
  /** Whose equity: an agent's name, or `all agents`. */
  subject: string;
  /** Quote currency of the amounts (`USDT`). */
  quote: string;
  /** From `equityCurve` (src/hub/analytics/equity.ts): the first point is the starting capital. */
  curve: EquityPoint[];
  timeZone: string;
  notes: string[];
}

export type ChartSpec = CandleChartSpec | EquityChartSpec;
