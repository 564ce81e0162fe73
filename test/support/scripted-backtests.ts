/**
 * An in-test BacktestService (src/hub/backtest/types.ts) whose jobs move only when the test says:
 * `submit`/`compare` record the job and report it queued; `emit` sends an event; `finish` stores
 * a record and reports it done. Refusals can be scripted (`refuseNext`). Ownership is checked as
 * the real service does: cancel, list and get see only the owner's jobs and runs.
 */
import { randomUUID } from 'node:crypto';
import type {
  BacktestEvent,
  BacktestListItem,
  BacktestParams,
  BacktestRecord,
  BacktestResult,
  BacktestService,
  ComparisonResult,
} from '../../src/hub/backtest/types.js';
import type { HubError } from '../../src/hub/errors.js';

export interface ScriptedJob {
  id: string;
  ownerId: string;
  kind: 'backtest' | 'compare';
  params: BacktestParams | Omit<BacktestParams, 'strategy'>;
  listener: (e: BacktestEvent) => void;
  over: boolean;
}

export interface ScriptedBacktests extends BacktestService {
  jobs: ScriptedJob[];
  records: BacktestRecord[];
  refuseNext(error: HubError): void;
  emit(job: ScriptedJob, event: BacktestEvent): void;
  /** Stores the run and reports it done. */
  finish(job: ScriptedJob, result: BacktestResult | ComparisonResult, notes?: string[]): BacktestRecord;
}

export function createScriptedBacktests(): ScriptedBacktests {
  const jobs: ScriptedJob[] = [];
  const records: BacktestRecord[] = [];
  let refusal: HubError | undefined;

  function enqueue(ownerId: string, kind: ScriptedJob['kind'], params: ScriptedJob['params'], listener: ScriptedJob['listener']) {
    if (refusal) {
      const error = refusal;
      refusal = undefined;
      return Promise.reject(error);
    }
    const job: ScriptedJob = { id: randomUUID(), ownerId, kind, params, listener, over: false };
    jobs.push(job);
    // As the real service: events come after submit has resolved, never from inside it.
    queueMicrotask(() => listener({ kind: 'queued', position: 1 }));
    return Promise.resolve({ id: job.id });
  }

  return {
    jobs,
    records,
    refuseNext: (error) => void (refusal = error),
    submit: (ownerId, params, listener) => enqueue(ownerId, 'backtest', params, listener),
    compare: (ownerId, params, listener) => enqueue(ownerId, 'compare', params, listener),
    cancel(ownerId, id) {
      const job = jobs.find((j) => j.id === id && j.ownerId === ownerId && !j.over);
      if (!job) return false;
      job.over = true;
      job.listener({ kind: 'cancelled' });
      return true;
    },
    async list(ownerId, limit): Promise<BacktestListItem[]> {
      return records
        .filter((r) => r.ownerId === ownerId)
        .reverse()
        .slice(0, limit)
        .map((r) => ({
          id: r.id,
          kind: r.kind,
          createdAt: r.createdAt,
          symbol: r.result.params.symbol,
          timeframe: r.result.params.timeframe,
          label: r.kind === 'backtest' ? r.result.plan.strategy : 'compare',
          fromMs: r.result.params.fromMs,
          toMs: r.result.params.toMs,
          totalReturnPct: r.kind === 'backtest' ? r.result.summary.totalReturnPct : (r.result.rows[0]?.summary.totalReturnPct ?? null),
        }));
    },
    async get(ownerId, id) {
      return records.find((r) => r.id === id && r.ownerId === ownerId) ?? null;
    },
    async stop() {},
    emit(job, event) {
      job.listener(event);
    },
    finish(job, result, notes = []) {
      const base = { id: job.id, ownerId: job.ownerId, createdAt: new Date().toISOString(), notes };
      const record = (
        job.kind === 'backtest' ? { ...base, kind: 'backtest', result } : { ...base, kind: 'compare', result }
      ) as BacktestRecord;
      records.push(record);
      job.over = true;
      job.listener({ kind: 'done', record });
      return record;
    },
  };
}
