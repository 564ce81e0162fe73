/**
 * The backtest service the bot uses (`BacktestService`, ./types.ts): validates what the trader
 * asks (./backtest-params.ts), loads the history (warm-up bars first) while the job holds its
 * place in the queue, runs it in a worker thread (./backtest-queue.ts) and stores the result
 * (./backtest-store.ts) with notes saying what shaped it. The hub's event loop never runs the
 * engine: it only packs the bars and hands them over.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import type { Candle, Interval } from '../../shared/market.js';
import { STRATEGY_NAMES } from '../../shared/strategy-names.js';
import type { InputLimits } from '../agents/agent-input.js';
import type { BacktestQueue, QueueJob } from './backtest-queue.js';
import { validateBacktestParams, validateComparisonParams, type ComparisonParams } from './backtest-params.js';
import type { BacktestStore } from './backtest-store.js';
import { warmupBars } from './run-backtest.js';
import { AUTO_STRATEGY, type BacktestCosts, type BacktestEvent, type BacktestParams, type BacktestService } from './types.js';
import { packBars, type JobOutcome, type WorkerJob } from './worker-messages.js';

/** What the history loader is asked (./history.ts): the period and the warm-up wanted before it. */
export interface HistoryRequest {
  symbol: string;
  interval: Interval;
  fromMs: number;
  toMs: number;
  warmup: { wanted: number; least: number };
}

/** Warm-up bars then the period's bars, oldest first; `notes` say what cut the period, if anything. */
export interface LoadedHistory {
  bars: Candle[];
  warmupBars: number;
  notes: string[];
  simulated: boolean;
  source: string;
}

/** Throws a typed HubError for an unknown symbol or a period beyond the provider's history. */
export type LoadHistory = (request: HistoryRequest) => Promise<LoadedHistory>;

/** The note of every run whose strategy the rules planner chose. */
export const RULES_PLANNER_NOTE = 'LLM planning is not used in backtests';
export const SIMULATED_NOTE = 'Prices are simulated (offline market data), not real history.';

export interface BacktestServiceDeps {
  store: BacktestStore;
  queue: BacktestQueue;
  loadHistory: LoadHistory;
  /** The paper broker's fee and slippage (PAPER_FEE_BPS, PAPER_SLIPPAGE_BPS). */
  costs: BacktestCosts;
  limits: InputLimits;
  /** Runs kept per trader: storing a new one deletes the older ones beyond this (default 50). */
  keepPerOwner?: number;
  /** Wall clock, ms (periods are clamped to it). */
  now?: () => number;
  logger?: Logger;
}

type Listener = (event: BacktestEvent) => void;

/** Warm-up of a comparison: enough for the hungriest strategy. */
function comparisonWarmup(): { wanted: number; least: number } {
  const all = STRATEGY_NAMES.map((strategy) => warmupBars({ strategy }));
  return { wanted: Math.max(...all.map((w) => w.wanted)), least: Math.max(...all.map((w) => w.least)) };
}

function historyNotes(history: LoadedHistory): string[] {
  const notes = [...history.notes];
  if (history.simulated && !notes.some((n) => /simulated/i.test(n))) notes.push(SIMULATED_NOTE);
  return notes;
}

function outcomeNotes(outcome: JobOutcome): string[] {
  if (outcome.kind === 'compare') return [`${RULES_PLANNER_NOTE}: every strategy runs as set, on the same bars.`];
  const { params, plan } = outcome.result;
  if (params.strategy !== AUTO_STRATEGY) return [];
  return [`${RULES_PLANNER_NOTE}: the rules planner chose ${plan.strategy} (${plan.reasoning}).`];
}

export function createBacktestService(deps: BacktestServiceDeps): BacktestService {
  const now = deps.now ?? Date.now;
  const keep = deps.keepPerOwner ?? 50;

  /** Stores the outcome with its notes; the queue sends the `done` event (or `failed`, when this throws). */
  async function store(id: string, ownerId: string, notes: string[], outcome: JobOutcome): Promise<BacktestEvent> {
    const base = { id, ownerId, notes: [...outcomeNotes(outcome), ...notes] };
    const record = await deps.store.insert(
      outcome.kind === 'backtest'
        ? { ...base, kind: 'backtest', result: outcome.result }
        : { ...base, kind: 'compare', result: outcome.result },
    );
    await deps.store.keepNewest(ownerId, keep);
    return { kind: 'done', record };
  }

  async function enqueue(
    ownerId: string,
    listener: Listener,
    request: HistoryRequest,
    work: (bars: Float64Array<ArrayBuffer>) => WorkerJob,
  ): Promise<{ id: string }> {
    const id = randomUUID();
    let notes: string[] = [];
    const job: QueueJob = {
      id,
      ownerId,
      onEvent: listener,
      onOutcome: (outcome) => store(id, ownerId, notes, outcome),
    };
    await deps.queue.enqueue(job, async () => {
      const history = await deps.loadHistory(request);
      notes = historyNotes(history);
      return work(packBars(history.bars));
    });
    return { id };
  }

  const historyFor = (p: ComparisonParams, warmup: HistoryRequest['warmup']): HistoryRequest => ({
    symbol: p.symbol,
    interval: p.timeframe,
    fromMs: p.fromMs,
    toMs: p.toMs,
    warmup,
  });

  return {
    async submit(ownerId, params, listener) {
      const valid: BacktestParams = validateBacktestParams(params, deps.limits, now());
      return enqueue(ownerId, listener, historyFor(valid, warmupBars(valid)), (bars) => ({
        kind: 'backtest',
        input: { params: valid, costs: deps.costs, bars },
      }));
    },
    async compare(ownerId, params, listener) {
      const valid = validateComparisonParams(params, deps.limits, now());
      return enqueue(ownerId, listener, historyFor(valid, comparisonWarmup()), (bars) => ({
        kind: 'compare',
        input: { params: valid, costs: deps.costs, bars },
      }));
    },
    cancel: (ownerId, id) => deps.queue.cancel(ownerId, id),
    list: (ownerId, limit) => deps.store.list(ownerId, Math.min(Math.max(1, limit), keep)),
    get: (ownerId, id) => deps.store.get(ownerId, id),
    stop: () => deps.queue.close(),
  };
}
