/**
 * The client API's read-only data of one agent (trades, chart candles, equity, profit figures,
 * log pages): part of the `/api/v1` contract, see ./api.ts for routes, units and errors.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { CandlesResponse, MARKET_LIMITS } from './market.js';
import { Interval, IsoTime, Nullable, OneOf, PositionSide, Uuid } from './primitives.js';
import { LogEntryWire, WireLogLevel } from './status.js';
import { PriceLevel } from './api.js';

// --- Trades, candles, equity, profit ---------------------------------------------------------

export const TradeItem = Type.Object({
  id: Uuid,
  shortId: Type.String(),
  side: PositionSide,
  status: OneOf(['open', 'closed'] as const),
  /** Base units. */
  qty: Type.Number(),
  leverage: Type.Number(),
  /** Margin committed, USDT. */
  margin: Type.Number(),
  entryPrice: Type.Number(),
  exitPrice: Nullable(Type.Number()),
  liquidationPrice: Nullable(Type.Number()),
  /** Fees of the open and the close, USDT. */
  fees: Type.Number(),
  /** Realised, net of fees, USDT; null while open. */
  pnl: Nullable(Type.Number()),
  /** e.g. take-profit, stop-loss, signal, force exit, liquidation; null while open. */
  closeReason: Nullable(Type.String()),
  live: Type.Boolean(),
  openedAt: IsoTime,
  closedAt: Nullable(IsoTime),
});
export type TradeItem = Static<typeof TradeItem>;

export const TRADES_PAGE_LIMITS = { maxPageSize: 100, defaultPageSize: 20 } as const;

/** Offset paging: `page` is 0-based. */
export const TradesQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    pageSize: Type.Integer({ minimum: 1, maximum: TRADES_PAGE_LIMITS.maxPageSize, default: TRADES_PAGE_LIMITS.defaultPageSize }),
  },
  { additionalProperties: false },
);
export type TradesQuery = Static<typeof TradesQuery>;

/** One page of the agent's trades, newest opened first. */
export const TradesPage = Type.Object({
  trades: Type.Array(TradeItem),
  /** Trades of the agent in all. */
  total: Type.Integer(),
  /** 0-based page shown (the last one when the asked one is past the end). */
  page: Type.Integer(),
  pageSize: Type.Integer(),
  /** Number of pages, at least 1. */
  pages: Type.Integer(),
});
export type TradesPage = Static<typeof TradesPage>;

export const CandlesApiQuery = Type.Object(
  {
    /** Default: the agent's timeframe. */
    interval: Type.Optional(Interval),
    limit: Type.Integer({ minimum: 1, maximum: MARKET_LIMITS.maxCandles, default: MARKET_LIMITS.defaultCandles }),
  },
  { additionalProperties: false },
);
export type CandlesApiQuery = Static<typeof CandlesApiQuery>;

/** A trade drawn on the chart: entry marker at `openedAtMs`, exit marker at `closedAtMs`. */
export const ChartTradeMarker = Type.Object({
  tradeId: Uuid,
  side: PositionSide,
  openedAtMs: Type.Integer(),
  entryPrice: Type.Number(),
  closedAtMs: Nullable(Type.Integer()),
  exitPrice: Nullable(Type.Number()),
  /** USDT, net of fees; null while open. */
  pnl: Nullable(Type.Number()),
});
export type ChartTradeMarker = Static<typeof ChartTradeMarker>;

/** The market contract's candles (openTime in ms, OHLC in quote currency) plus what goes on the agent's chart. */
export const AgentCandles = Type.Object({
  ...CandlesResponse.properties,
  /** The agent's trades opened within the candles' window. */
  trades: Type.Array(ChartTradeMarker),
  levels: Type.Array(PriceLevel),
});
export type AgentCandles = Static<typeof AgentCandles>;

/** One step of the equity curve (src/hub/analytics/equity.ts). */
export const EquityPoint = Type.Object({
  /** Epoch ms of the close that made this point (the first point: the first trade's opening). */
  at: Type.Integer(),
  /** Capital plus realised PnL so far, USDT. */
  equity: Type.Number(),
  /** Running peak of `equity`, USDT. */
  peak: Type.Number(),
  /** equity − peak, ≤ 0, USDT. */
  drawdown: Type.Number(),
  /** drawdown / peak as a fraction (−0.25 = 25 % below the peak). */
  drawdownPct: Type.Number(),
});
export type EquityPoint = Static<typeof EquityPoint>;

export const EquityCurve = Type.Object({
  /** Starting capital, USDT. */
  capital: Type.Number(),
  /** Starts at the capital, then one point per closed trade in close order. */
  points: Type.Array(EquityPoint),
});
export type EquityCurve = Static<typeof EquityCurve>;

/** A trade named among the profit figures. */
export const TradeRef = Type.Object({ id: Uuid, agentName: Type.String(), pnl: Type.Number(), closedAt: IsoTime });

/** The /profit figures (src/hub/analytics/trade-stats.ts) over closed trades. */
export const ProfitFigures = Type.Object({
  trades: Type.Integer(),
  wins: Type.Integer(),
  losses: Type.Integer(),
  /** Trades at exactly 0 PnL. */
  breakeven: Type.Integer(),
  /** Realised, net of fees, USDT. */
  pnl: Type.Number(),
  /** wins / trades, a fraction; null without trades. */
  winRate: Nullable(Type.Number()),
  fees: Type.Number(),
  /** Sum of the capital of the agents covered, USDT. */
  capital: Type.Number(),
  /** pnl / capital, a fraction; null when the capital is not positive. */
  roi: Nullable(Type.Number()),
  grossProfit: Type.Number(),
  /** Sum of the losing trades' PnL as a positive amount, USDT. */
  grossLoss: Type.Number(),
  /** grossProfit / grossLoss; "infinity" with wins and no loss; null without wins and losses. */
  profitFactor: Type.Union([Type.Number(), Type.Literal('infinity'), Type.Null()]),
  /** Mean pnl per trade, USDT; null without trades. */
  expectancy: Nullable(Type.Number()),
  /** Mean time a trade was open, ms; null without trades. */
  avgDurationMs: Nullable(Type.Number()),
  best: Nullable(TradeRef),
  worst: Nullable(TradeRef),
  maxDrawdown: Type.Object({
    /** Deepest fall from a peak, positive, USDT. */
    amount: Type.Number(),
    /** The same as a positive fraction of the peak. */
    pct: Type.Number(),
    peakAt: Nullable(Type.Integer()),
    troughAt: Nullable(Type.Integer()),
  }),
});
export type ProfitFigures = Static<typeof ProfitFigures>;

// --- Logs ------------------------------------------------------------------------------------

export const LOGS_PAGE_LIMITS = { maxLimit: 500, defaultLimit: 100 } as const;

/**
 * `level`: the lowest level shown (warn → warn and error). Without `beforeSeq`/`afterSeq`: the
 * newest lines. `beforeSeq`: the page older than that line. `afterSeq`: lines newer than that
 * line (catch-up after a reconnect; live lines come over /ws as `agent.log`).
 */
export const LogsQuery = Type.Object(
  {
    level: Type.Optional(WireLogLevel),
    limit: Type.Integer({ minimum: 1, maximum: LOGS_PAGE_LIMITS.maxLimit, default: LOGS_PAGE_LIMITS.defaultLimit }),
    beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type LogsQuery = Static<typeof LogsQuery>;

export const LogsPage = Type.Object({
  /** Oldest first. */
  entries: Type.Array(LogEntryWire),
  /** `beforeSeq` of the next older page; null when there is none. */
  olderBeforeSeq: Nullable(Type.Integer()),
});
export type LogsPage = Static<typeof LogsPage>;
