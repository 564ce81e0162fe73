/**
 * The client API's backtests (part of the `/api/v1` contract, see ./api.ts for units and errors):
 * the agents' engine over historical bars, run by the hub's backtest service in a worker thread.
 *
 *   GET  /api/v1/backtests                → BacktestList (the caller's recent runs, newest first)
 *   POST /api/v1/backtests                BacktestRequest → 202 BacktestSubmitted
 *   GET  /api/v1/backtests/:id            → BacktestDetail (a finished run: summary, trades, curves, notes; 409 while on)
 *   GET  /api/v1/backtests/:id/status     → BacktestStatus (poll it: queued · running · done · failed · cancelled)
 *   POST /api/v1/backtests/:id/cancel     → BacktestStatus
 *
 * A job's state is read by polling `…/status` (about once a second is plenty): the hub keeps it in
 * memory while the job is on and for a while after; a finished run stays readable as `done` from
 * the store. Each trader has one job queued or running at a time (409 while one is); a full queue
 * answers 429. Bad settings answer 400 with the chat's words. Times in Unix epoch ms (`…Ms`, `at`).
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Interval, IsoTime, Nullable, OneOf, Uuid } from './primitives.js';

/** Periods the dashboard offers; ending now. */
export const BACKTEST_PERIODS = { '7d': 7, '30d': 30, '90d': 90, '1y': 365 } as const;
export type BacktestPeriod = keyof typeof BACKTEST_PERIODS;
export const BacktestPeriodName = OneOf(Object.keys(BACKTEST_PERIODS) as BacktestPeriod[]);

/**
 * What to test. The fields are typed loosely on purpose: the hub checks them with the agents' own
 * rules and answers 400 in the chat's words (a symbol it does not serve, leverage over the
 * server's maximum, a stop-loss past liquidation). The period is `period` (ending now) or
 * `fromMs` + `toMs`; a period ending in the future ends now.
 */
export const BacktestRequest = Type.Object(
  {
    symbol: Type.String({ maxLength: 32 }),
    timeframe: Type.String({ maxLength: 8 }),
    /** `auto` (the rules planner picks) or a strategy name. */
    strategy: Type.String({ maxLength: 64 }),
    period: Type.Optional(BacktestPeriodName),
    fromMs: Type.Optional(Type.Number()),
    toMs: Type.Optional(Type.Number()),
    /** Starting capital and margin per position, USDT. */
    amountUsdt: Type.Number(),
    leverage: Type.Number(),
    /** Percent; null: none. */
    tpPct: Type.Optional(Nullable(Type.Number())),
    slPct: Type.Optional(Nullable(Type.Number())),
    tpSlMode: Type.Optional(Type.String({ maxLength: 16 })),
    riskProfile: Type.Optional(Type.String({ maxLength: 16 })),
    /** Session loss stop, percent of the capital; 0 (default): off. */
    maxSessionLossPct: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type BacktestRequest = Static<typeof BacktestRequest>;

export const BacktestParamsPath = Type.Object({ id: Uuid });

export const BACKTEST_JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type BacktestJobState = (typeof BACKTEST_JOB_STATES)[number];

export const BacktestStatus = Type.Object({
  id: Uuid,
  state: OneOf(BACKTEST_JOB_STATES),
  /** Queued: place in the line (1 = next); null while its history loads or when it starts at once. */
  position: Nullable(Type.Integer()),
  /** Running: bars done so far of the total, and trades closed so far; null before the first report. */
  progress: Nullable(Type.Object({ barsDone: Type.Integer(), barsTotal: Type.Integer(), trades: Type.Integer() })),
  /** Failed: why, in words. */
  message: Nullable(Type.String()),
});
export type BacktestStatus = Static<typeof BacktestStatus>;

export const BacktestSubmitted = Type.Object({ id: Uuid, status: BacktestStatus });
export type BacktestSubmitted = Static<typeof BacktestSubmitted>;

export const BacktestListItemWire = Type.Object({
  id: Uuid,
  kind: OneOf(['backtest', 'compare'] as const),
  createdAt: IsoTime,
  symbol: Type.String(),
  timeframe: Interval,
  /** The strategy, or `compare`. */
  label: Type.String(),
  fromMs: Type.Number(),
  toMs: Type.Number(),
  /** Percent; null for a comparison. */
  totalReturnPct: Nullable(Type.Number()),
});
export type BacktestListItemWire = Static<typeof BacktestListItemWire>;

export const BacktestList = Type.Object({ backtests: Type.Array(BacktestListItemWire) });
export type BacktestList = Static<typeof BacktestList>;

const nullableNumber = Nullable(Type.Number());

/** src/hub/backtest/types.ts `BacktestSummary`: percentages in percent, money in USDT, durations in ms. */
export const BacktestSummaryWire = Type.Object({
  totalReturnPct: Type.Number(),
  buyHoldReturnPct: Type.Number(),
  maxDrawdownPct: Type.Number(),
  sharpe: nullableNumber,
  sortino: nullableNumber,
  winRatePct: nullableNumber,
  profitFactor: nullableNumber,
  trades: Type.Integer(),
  avgDurationMs: nullableNumber,
  exposurePct: Type.Number(),
  feesUsdt: Type.Number(),
  liquidations: Type.Integer(),
  finalEquity: Type.Number(),
});

export const BacktestTradeWire = Type.Object({
  side: OneOf(['long', 'short'] as const),
  entryBar: Type.Integer(),
  exitBar: Type.Integer(),
  entryAt: Type.Number(),
  exitAt: Type.Number(),
  entryPrice: Type.Number(),
  exitPrice: Type.Number(),
  qty: Type.Number(),
  fees: Type.Number(),
  pnl: Type.Number(),
  exit: OneOf(['take-profit', 'stop-loss', 'signal', 'liquidation', 'drawdown stop', 'end'] as const),
  reason: Type.String(),
});
export type BacktestTradeWire = Static<typeof BacktestTradeWire>;

/** A curve point: bar close (ms) and value (USDT). */
export const CurvePointWire = Type.Object({ at: Type.Number(), value: Type.Number() });
const Curve = Type.Array(CurvePointWire);

const ParamsWire = Type.Object({
  symbol: Type.String(),
  timeframe: Interval,
  strategy: Type.String(),
  fromMs: Type.Number(),
  toMs: Type.Number(),
  amountUsdt: Type.Number(),
  leverage: Type.Number(),
  tpPct: nullableNumber,
  slPct: nullableNumber,
  tpSlMode: Type.String(),
  riskProfile: Type.String(),
  maxSessionLossPct: Type.Number(),
  liveMode: Type.Boolean(),
});

const RunFields = {
  costs: Type.Object({ feeBps: Type.Number(), slippageBps: Type.Number() }),
  bars: Type.Integer(),
  firstBarAt: Type.Number(),
  lastBarAt: Type.Number(),
};

export const BacktestResultWire = Type.Object({
  ...RunFields,
  params: ParamsWire,
  plan: Type.Object({
    strategy: Type.String(),
    lookback: Type.Number(),
    threshold: Type.Number(),
    source: OneOf(['config', 'rules'] as const),
    reasoning: Type.String(),
  }),
  warmupBars: Type.Integer(),
  summary: BacktestSummaryWire,
  trades: Type.Array(BacktestTradeWire),
  /** Equity marked to market at bar closes, and buy-and-hold of the same capital; at most 1,000 points each. */
  equity: Curve,
  buyHold: Curve,
  prices: Curve,
});

export const ComparisonResultWire = Type.Object({
  ...RunFields,
  params: Type.Omit(ParamsWire, ['strategy']),
  /** Best total return first. */
  rows: Type.Array(Type.Object({ strategy: Type.String(), summary: BacktestSummaryWire })),
  top: Type.Array(Type.Object({ strategy: Type.String(), equity: Curve })),
  buyHold: Curve,
});

const DetailBase = { id: Uuid, createdAt: IsoTime, notes: Type.Array(Type.String()) };

export const BacktestDetail = Type.Union([
  Type.Object({ ...DetailBase, kind: Type.Literal('backtest'), result: BacktestResultWire }),
  Type.Object({ ...DetailBase, kind: Type.Literal('compare'), result: ComparisonResultWire }),
]);
export type BacktestDetail = Static<typeof BacktestDetail>;
