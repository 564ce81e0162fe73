/**
 * Backtests: the agents' own engine (src/engine) run over historical bars, in a worker thread.
 * These are the shapes every part agrees on — the runner (run-backtest.ts, inside the worker),
 * the service that queues runs and stores results (backtest-service.ts), the charts and the bot.
 * All of them are plain JSON, so they cross `postMessage` and a `jsonb` column unchanged.
 *
 * Units: money in quote currency (USDT), percentages in percent (2.5 = 2.5 %), times in UTC ms,
 * prices in quote currency per base unit, quantities in base units.
 */
import type { Interval } from '../../shared/market.js';
import type { RiskProfile, TpSlMode } from '../../shared/wire.js';
import type { StrategyName } from '../../shared/strategy-names.js';

/** `auto`: the rules planner picks the strategy on the first bars (no LLM in a backtest). */
export const AUTO_STRATEGY = 'auto';
export type BacktestStrategy = StrategyName | typeof AUTO_STRATEGY;

/** What a trader asks to test: an agent's settings and a period. */
export interface BacktestParams {
  /** Canonical symbol id, e.g. `BTCUSDT`. */
  symbol: string;
  timeframe: Interval;
  strategy: BacktestStrategy;
  /** First bar traded: open time ≥ `fromMs`. Earlier bars are only warm-up. */
  fromMs: number;
  /** Bars opening before `toMs` are traded (exclusive). */
  toMs: number;
  /** Margin per position, USDT (the agent's `amountUsdt`); also the starting capital. */
  amountUsdt: number;
  leverage: number;
  tpPct: number | null;
  slPct: number | null;
  tpSlMode: TpSlMode;
  riskProfile: RiskProfile;
  /** Session loss stop, percent of `amountUsdt`; 0 = off. */
  maxSessionLossPct: number;
  /** The mode an agent launched from this result would use; fills here are always paper. */
  liveMode: boolean;
}

/** The paper broker's fill model (src/hub/broker/paper.ts), as configured on the hub. */
export interface BacktestCosts {
  feeBps: number;
  slippageBps: number;
}

/** How a trade ended; `end` is the position closed at the last bar's close when the period ran out. */
export type BacktestExitKind = 'take-profit' | 'stop-loss' | 'signal' | 'liquidation' | 'drawdown stop' | 'end';

export interface BacktestTrade {
  side: 'long' | 'short';
  /** Index into the traded bars (0 = the first bar at or after `fromMs`). */
  entryBar: number;
  exitBar: number;
  /** Close times of those bars (the engine acts at a bar's close). */
  entryAt: number;
  exitAt: number;
  entryPrice: number;
  exitPrice: number;
  qty: number;
  /** Fees of both fills, USDT. */
  fees: number;
  /** Net of both fees, USDT. */
  pnl: number;
  exit: BacktestExitKind;
  /** The engine's own words for the close ("SL hit: …", "signal reversed (…)"). */
  reason: string;
}

/** One point of a curve: time (bar close, UTC ms) and value (USDT). */
export interface CurvePoint {
  at: number;
  value: number;
}

export interface BacktestSummary {
  /** Net result over the period, percent of the starting capital. */
  totalReturnPct: number;
  /** Holding the symbol unlevered from the first traded bar's close to the last one's, percent. */
  buyHoldReturnPct: number;
  /** Largest peak-to-trough fall of the bar-by-bar equity (marked to market), percent of the peak. */
  maxDrawdownPct: number;
  /** Annualised from per-bar equity returns; null when the equity never moved. */
  sharpe: number | null;
  sortino: number | null;
  /** Percent of closed trades with pnl > 0; null without trades. */
  winRatePct: number | null;
  /** Gross profit / gross loss; null without losses. */
  profitFactor: number | null;
  trades: number;
  /** Mean holding time, ms; null without trades. */
  avgDurationMs: number | null;
  /** Percent of traded bars with a position open. */
  exposurePct: number;
  /** All fees paid, USDT. */
  feesUsdt: number;
  liquidations: number;
  /** Final equity, USDT. */
  finalEquity: number;
}

/** The plan the engine traded (planner.ts): from the settings, or the rules planner for `auto`. */
export interface BacktestPlan {
  strategy: StrategyName;
  lookback: number;
  threshold: number;
  source: 'config' | 'rules';
  reasoning: string;
}

export interface BacktestResult {
  params: BacktestParams;
  costs: BacktestCosts;
  plan: BacktestPlan;
  /** Bars traded (from `fromMs`), and warm-up bars before them. */
  bars: number;
  warmupBars: number;
  /** Open time of the first traded bar and close time of the last, UTC ms. */
  firstBarAt: number;
  lastBarAt: number;
  summary: BacktestSummary;
  trades: BacktestTrade[];
  /** Equity at bar closes (marked to market), downsampled to at most `CURVE_POINTS` points. */
  equity: CurvePoint[];
  /** Buy-and-hold of the same capital over the same bars, same sampling. */
  buyHold: CurvePoint[];
  /** Closes of the traded bars, same sampling, for the price chart. */
  prices: CurvePoint[];
}

/** Largest number of points kept per curve (charts need no more; storage stays small). */
export const CURVE_POINTS = 1_000;

/** `/compare`: every strategy on the same bars. */
export interface ComparisonRow {
  strategy: StrategyName;
  summary: BacktestSummary;
}

export interface ComparisonResult {
  params: Omit<BacktestParams, 'strategy'>;
  costs: BacktestCosts;
  bars: number;
  firstBarAt: number;
  lastBarAt: number;
  /** Best total return first. */
  rows: ComparisonRow[];
  /** Equity curves of the five best rows, same order. */
  top: { strategy: StrategyName; equity: CurvePoint[] }[];
  buyHold: CurvePoint[];
}

/** Progress of a running job, reported every few thousand bars. */
export interface BacktestProgress {
  barsDone: number;
  barsTotal: number;
  /** Trades closed so far (for `/compare`: summed over the strategies done). */
  trades: number;
}

/**
 * What happens to a submitted job, in order: queued → started → progress… → one of done/failed/cancelled.
 * `queued` comes only when the job has to wait (position 1 = next to start), and again each time
 * it moves up. Events arrive after `submit`/`compare` has resolved, never from inside it; after
 * `done`, `failed` or `cancelled` the trader may submit again at once.
 */
export type BacktestEvent =
  | { kind: 'queued'; position: number }
  | { kind: 'started' }
  | { kind: 'progress'; progress: BacktestProgress }
  | { kind: 'done'; record: BacktestRecord }
  | { kind: 'failed'; message: string }
  | { kind: 'cancelled' };

/** A stored run (`backtests` table): a single backtest or a comparison. */
export type BacktestRecord =
  | { id: string; ownerId: string; kind: 'backtest'; createdAt: string; result: BacktestResult; notes: string[] }
  | { id: string; ownerId: string; kind: 'compare'; createdAt: string; result: ComparisonResult; notes: string[] };

/** A line of `/backtests`: enough to list and re-send a run. */
export interface BacktestListItem {
  id: string;
  kind: 'backtest' | 'compare';
  createdAt: string;
  symbol: string;
  timeframe: Interval;
  /** The strategy, or `compare`. */
  label: string;
  fromMs: number;
  toMs: number;
  totalReturnPct: number | null;
}

/**
 * The hub service the bot (and later the API) uses. Each user has at most one job queued or
 * running; jobs run `BACKTEST_CONCURRENCY` at a time in worker threads, the rest wait in a bounded
 * queue. `notes` tell the trader what shaped the run (rules planner instead of the LLM, the period
 * cut by the provider's history or by the Twelve Data budget).
 */
export interface BacktestService {
  /**
   * Validates, loads history and queues; events arrive on `listener`. Throws a typed HubError on bad input, busy user or full queue.
   * `id` names the job (for `cancel`) and, once `done`, its stored record (for `get`).
   */
  submit(ownerId: string, params: BacktestParams, listener: (e: BacktestEvent) => void): Promise<{ id: string }>;
  /** Every strategy on the same bars. */
  compare(ownerId: string, params: Omit<BacktestParams, 'strategy'>, listener: (e: BacktestEvent) => void): Promise<{ id: string }>;
  /** Stops the user's job (terminates its worker when running); false when it is not theirs or already over. */
  cancel(ownerId: string, id: string): boolean;
  list(ownerId: string, limit: number): Promise<BacktestListItem[]>;
  get(ownerId: string, id: string): Promise<BacktestRecord | null>;
  /** Jobs waiting for a worker (history loading or in line) and running now (operator's view). */
  depth(): { waiting: number; running: number };
  /** Cancels everything and terminates the workers. */
  stop(): Promise<void>;
}
