/**
 * A backtest is the agents' own engine (src/engine: planner on rules, strategy signal, cooldown,
 * TP/SL fixed or ATR-dynamic, liquidation, drawdown stop) run over historical bars, with the paper
 * fill model standing in for the hub (./backtest-market.ts). One tick per bar, at its close: the
 * engine's clock is the bars' time and its sleep between ticks moves to the next bar. At the end
 * of the period an open position is closed at the last close, as a stop with close-on-stop would.
 *
 * Runs inside a worker thread (./worker.ts); the whole run is one chain of settled promises, so it
 * never waits on a timer. Deterministic: the same bars and parameters give the same result.
 */
import { createEngine, type Engine } from '../../engine/engine.js';
import { candleWindowFor } from '../../engine/tick-loop.js';
import { defaultLookback } from '../../engine/planner.js';
import type { EngineLog } from '../../engine/ports.js';
import { getStrategy, STRATEGY_NAMES } from '../../engine/strategies/index.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { INTERVAL_MS, type Candle } from '../../shared/market.js';
import type { AgentConfigWire } from '../../shared/wire.js';
import { createBacktestMarket, type BacktestMarket } from './backtest-market.js';
import { compareResults } from './compare.js';
import { END_OF_PERIOD, toResult, type EngineRun } from './result.js';
import {
  AUTO_STRATEGY,
  type BacktestCosts,
  type BacktestParams,
  type BacktestProgress,
  type BacktestResult,
  type ComparisonResult,
} from './types.js';

export interface RunInput {
  params: BacktestParams;
  /** Warm-up bars, then the traded bars (open time ≥ `params.fromMs`), oldest first, contiguous. */
  bars: readonly Candle[];
  costs: BacktestCosts;
  onProgress?: (p: BacktestProgress) => void;
  /** Bars between progress reports. Default 5,000. */
  progressEveryBars?: number;
  /** Whether the bars are simulated, and where they came from (the engine sees it like an agent does). */
  simulated?: boolean;
  source?: string;
}

/** What the engine holds once planned (tick-loop.ts `candleWindowFor`), and the least the strategy needs. */
export function warmupBars(params: Pick<BacktestParams, 'strategy'>): { wanted: number; least: number } {
  if (params.strategy === AUTO_STRATEGY) return { wanted: 250, least: 60 };
  const lookback = defaultLookback(params.strategy);
  return {
    wanted: candleWindowFor(params.strategy, lookback),
    least: getStrategy(params.strategy).requiredCandles({ lookback }),
  };
}

/** The agent config a backtest runs the engine with: the trader's settings, no LLM, one tick per bar. */
export function backtestConfig(params: BacktestParams): AgentConfigWire {
  return {
    agentId: 'backtest',
    name: 'backtest',
    symbol: params.symbol,
    amountUsdt: params.amountUsdt,
    leverage: params.leverage,
    riskProfile: params.riskProfile,
    timeframe: params.timeframe,
    tpPct: params.tpPct,
    slPct: params.slPct,
    tpSlMode: params.tpSlMode,
    pollSeconds: INTERVAL_MS[params.timeframe] / 1000,
    supervisorIntervalSeconds: 86_400,
    maxSessionLossPct: params.maxSessionLossPct,
    closeOnStop: true,
    llmProvider: null,
    llmModel: null,
    liveMode: false,
    strategy: params.strategy === AUTO_STRATEGY ? null : params.strategy,
  };
}

export async function runBacktest(input: RunInput): Promise<BacktestResult> {
  const { params } = input;
  const bars = input.bars.filter((b) => b.openTime < params.toMs);
  const firstBar = bars.findIndex((b) => b.openTime >= params.fromMs);
  if (firstBar < 0) throw new RangeError('no bar in the backtest period');
  const market = createBacktestMarket({
    bars,
    interval: params.timeframe,
    firstBar,
    symbol: params.symbol,
    simulated: input.simulated ?? false,
    source: input.source ?? 'history',
    costs: input.costs,
    leverage: params.leverage,
  });
  const run = await driveEngine(market, params, bars.length - firstBar, input);
  return toResult({ params, costs: input.costs, bars, firstBar, market, run });
}

/** Ticks the engine once per bar until the data ends (or its drawdown stop ends it), recording equity at every close. */
async function driveEngine(market: BacktestMarket, params: BacktestParams, total: number, input: RunInput): Promise<EngineRun> {
  const run: EngineRun = { equity: [], barsInPosition: 0, plan: null };
  const every = input.progressEveryBars ?? 5_000;
  const record = () => {
    if (run.equity.length >= total) return;
    run.equity.push(params.amountUsdt + market.pnlAt());
    if (market.position) run.barsInPosition++;
    if (input.onProgress && run.equity.length % every === 0) {
      input.onProgress({ barsDone: run.equity.length, barsTotal: total, trades: market.trades.length });
    }
  };
  let endOfData = (): void => {};
  const ended = new Promise<void>((resolve) => (endOfData = resolve));
  const clock: Clock = {
    now: market.now,
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
    sleep(_ms, signal) {
      record();
      if (market.advance()) return Promise.resolve();
      endOfData();
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
  const errors: string[] = [];
  const engine = backtestEngine(params, market, clock, errors);
  engine.start();
  await Promise.race([engine.done(), ended]);
  if (engine.state === 'running') await engine.stop({ closePosition: true, reason: END_OF_PERIOD, deadlineMs: 60_000 });
  run.plan = engine.plan;
  if (errors.length > 0) throw new Error(`the engine failed on historical bars: ${errors[0]}`);
  if (run.equity.length === total) {
    // The last bar was recorded before the end-of-period close: count that close's costs.
    run.equity[total - 1] = params.amountUsdt + market.pnlAt();
  } else {
    // The drawdown stop ended the session at the current bar: the rest of the period is flat.
    record();
    while (run.equity.length < total && market.advance()) record();
  }
  return run;
}

/** The engine as an agent runs it; its error lines (a failed tick, an order refused) are collected: in a backtest they are bugs. */
function backtestEngine(params: BacktestParams, market: BacktestMarket, clock: Clock, errors: string[]): Engine {
  let key = 0;
  const log: EngineLog = { debug() {}, info() {}, warn() {}, error: (m) => void errors.push(m) };
  return createEngine({
    config: backtestConfig(params),
    position: null,
    realizedPnl: 0,
    hub: market.hub,
    log,
    clock,
    newKey: () => `bt-${++key}`,
    options: { candleRefreshMs: 0, recordSignals: false, statusPushes: false },
  });
}

/** Every library strategy on the same bars, one after the other (one worker, one history). */
export async function runComparison(
  input: Omit<RunInput, 'params'> & { params: Omit<BacktestParams, 'strategy'> },
): Promise<ComparisonResult> {
  const results: BacktestResult[] = [];
  let barsDone = 0;
  let trades = 0;
  for (const strategy of STRATEGY_NAMES) {
    const result = await runBacktest({ ...input, params: { ...input.params, strategy }, onProgress: undefined });
    results.push(result);
    barsDone += result.bars;
    trades += result.summary.trades;
    input.onProgress?.({ barsDone, barsTotal: result.bars * STRATEGY_NAMES.length, trades });
  }
  return compareResults(input.params, input.costs, results);
}
