/**
 * The backtest service the bot uses (`BacktestService`, ./types.ts): validates what the trader
 * asks (./backtest-params.ts), loads the history (warm-up bars first) while the job holds its
 * place in the queue, runs it in a worker thread (./backtest-queue.ts) and stores the result
 * (./backtest-store.ts) with notes saying what shaped it. The hub's event loop never runs the
 * engine: it only packs the bars and hands them over.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { STRATEGY_NAMES } from '../../shared/strategy-names.js';
import type { InputLimits } from '../agents/agent-input.js';
import type { BacktestQueue, QueueJob } from './backtest-queue.js';
import { validateBacktestParams, validateComparisonParams, type ComparisonParams } from './backtest-params.js';
import type { BacktestStore } from './backtest-store.js';
import type { History, HistoryRequest } from './history.js';
import { warmupBars } from './run-backtest.js';
import { AUTO_STRATEGY, type BacktestCosts, type BacktestEvent, type BacktestParams, type BacktestService } from './types.js';
import { packBars, type JobOutcome, type WorkerJob } from './worker-messages.js';

/** History of the job's series (./history.ts `loadHistory` with the hub's deps bound). */
export type LoadHistory = (request: HistoryRequest) => Promise<History>;

/** The note of every run whose strategy the rules planner chose. */
export const RULES_PLANNER_NOTE = 'LLM planning is not used in backtests';

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

/**
 * A job's input from its history. A period the loader cut (the provider's history, the Twelve
 * Data budget; its notes say so) starts at its first traded bar, so the runner trades no warm-up
 * bar and the stored params show the period actually tested.
 */
function inputFrom<P extends ComparisonParams>(params: P, history: History, costs: BacktestCosts) {
  const first = history.bars[history.warmupBars];
  const fromMs = first && first.openTime > params.fromMs ? first.openTime : params.fromMs;
  const bars = packBars(history.bars);
  return { params: { ...params, fromMs }, costs, bars, simulated: history.simulated, source: history.source };
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
    work: (history: History) => WorkerJob,
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
      notes = history.notes;
      return work(history);
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
      return enqueue(ownerId, listener, historyFor(valid, warmupBars(valid)), (history) => ({
        kind: 'backtest',
        input: inputFrom(valid, history, deps.costs),
      }));
    },
    async compare(ownerId, params, listener) {
      const valid = validateComparisonParams(params, deps.limits, now());
      return enqueue(ownerId, listener, historyFor(valid, comparisonWarmup()), (history) => ({
        kind: 'compare',
        input: inputFrom(valid, history, deps.costs),
      }));
    },
    cancel: (ownerId, id) => deps.queue.cancel(ownerId, id),
    depth: () => {
      const { preparing, waiting, running } = deps.queue.stats();
      return { waiting: preparing + waiting, running };
    },
    list: (ownerId, limit) => deps.store.list(ownerId, Math.min(Math.max(1, limit), keep)),
    get: (ownerId, id) => deps.store.get(ownerId, id),
    stop: () => deps.queue.close(),
  };
}
