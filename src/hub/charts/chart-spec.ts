/**
 * What a chart image is drawn from: plain, structured-cloneable data (it crosses into the render
 * worker), no ORM entities, no functions. The hub's chart service fills it from candles, trades
 * and the agent's open position; the renderer turns it into a PNG.
 *
 * Units: times are epoch milliseconds; prices and money are in quote currency (USDT for BTCUSDT).
 */
import { LEVEL_KINDS } from '../../shared/contract/api.js';
import type { EquityPoint } from '../analytics/equity.js';
import type { CurvePoint } from '../backtest/types.js';

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

/** What a backtest picture's title names: the run's market, strategy and period. */
export interface BacktestHeading {
  symbol: string;
  timeframe: string;
  /** The strategy as tested (`trend_following`, `auto → trend_following`), or what was compared. */
  strategy: string;
  /** Open time of the first traded bar and close time of the last. */
  fromMs: number;
  toMs: number;
  /** Quote currency of the amounts (`USDT`). */
  quote: string;
  /** Starting capital, quote currency. */
  capital: number;
  timeZone: string;
  /** Extra words for the footer (the fill model). */
  notes: string[];
}

/** A backtest's equity against buy-and-hold of the same capital; percentages in percent. */
export interface BacktestEquityChartSpec extends BacktestHeading {
  kind: 'backtest-equity';
  equity: CurvePoint[];
  buyHold: CurvePoint[];
  totalReturnPct: number;
  buyHoldReturnPct: number;
  /** From the bar-by-bar equity (the result's summary), not from the sampled curve. */
  maxDrawdownPct: number;
  trades: number;
}

/** A backtest trade as drawn: ▲/▼ at its entry, ✕ at its exit. */
export interface BacktestTradeMark {
  side: 'long' | 'short';
  entryAt: number;
  entryPrice: number;
  exitAt: number;
  exitPrice: number;
  /** Net, quote currency: colours the exit. */
  pnl: number;
  liquidated: boolean;
}

/** The symbol's closes with the backtest's trades; many trades are cut to the latest ones. */
export interface BacktestTradesChartSpec extends BacktestHeading {
  kind: 'backtest-trades';
  /** Closes from `shownFromMs` on (all of the period unless trades were cut). */
  prices: CurvePoint[];
  /** The trades drawn, oldest first: all of them, or the last ones. */
  trades: BacktestTradeMark[];
  /** Trades of the whole run (more than `trades.length` when cut). */
  totalTrades: number;
  /** Where the time axis starts: `fromMs`, or shortly before the first trade drawn. */
  shownFromMs: number;
}

/** One line of a comparison: a strategy's equity (or buy-and-hold) and its return, percent. */
export interface ComparisonCurve {
  name: string;
  returnPct: number;
  points: CurvePoint[];
}

/** `/compare`: the best strategies' equity curves and buy-and-hold, on the same bars. */
export interface ComparisonChartSpec extends BacktestHeading {
  kind: 'comparison';
  /** Best first. */
  curves: ComparisonCurve[];
  buyHold: ComparisonCurve;
  /** Strategies compared (the curves are the best of them). */
  compared: number;
}

export type BacktestChartSpec = BacktestEquityChartSpec | BacktestTradesChartSpec | ComparisonChartSpec;

export type ChartSpec = CandleChartSpec | EquityChartSpec | BacktestChartSpec;
