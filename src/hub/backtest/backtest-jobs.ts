/**
 * Where a submitted backtest stands, for clients that poll (the client API's
 * `GET /api/v1/backtests/:id/status`): the service pushes events to a listener; this keeps the last
 * state of each job, per owner, while it is on and for `keepEndedMs` after it ended. A job older
 * than that (or from before a restart) is `done` when its record is stored, else unknown.
 * In memory, like the queue itself: the hub that runs the job answers for it.
 */
import { HubError } from '../errors.js';
import type { BacktestEvent, BacktestParams, BacktestProgress, BacktestService } from './types.js';

/** No such backtest of this trader (another trader's id reads the same). */
export class BacktestNotFoundError extends HubError {
  override name = 'BacktestNotFoundError';
  constructor(readonly id: string) {
    super(`backtest ${id} not found`, 'No such backtest. Your recent ones are in the list.');
  }
}

/** The result of a job still queued or running was asked for. */
export class BacktestNotFinishedError extends HubError {
  override name = 'BacktestNotFinishedError';
  constructor(readonly id: string) {
    super(`backtest ${id} has not finished`, 'This backtest has not finished yet: its status says how far it is.');
  }
}

export type BacktestJobStatus =
  | { id: string; state: 'queued'; position: number | null }
  | { id: string; state: 'running'; progress: BacktestProgress | null }
  | { id: string; state: 'done' }
  | { id: string; state: 'failed'; message: string }
  | { id: string; state: 'cancelled' };

export interface BacktestJobs {
  /** Submits through the service (its typed errors pass through) and starts following the job. */
  submit(ownerId: string, params: BacktestParams): Promise<BacktestJobStatus>;
  /** The owner's job; null when it is not theirs or not known (never stored, or pruned). */
  status(ownerId: string, id: string): Promise<BacktestJobStatus | null>;
  /** Cancels the owner's job; its status afterwards (null when unknown). */
  cancel(ownerId: string, id: string): Promise<BacktestJobStatus | null>;
}

interface Tracked {
  ownerId: string;
  status: BacktestJobStatus;
  /** When it ended, ms; null while on. */
  endedAt: number | null;
}

const ENDED: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);

function next(event: BacktestEvent, previous: BacktestJobStatus): BacktestJobStatus {
  const { id } = previous;
  switch (event.kind) {
    case 'queued':
      return { id, state: 'queued', position: event.position };
    case 'started':
      return { id, state: 'running', progress: null };
    case 'progress':
      return { id, state: 'running', progress: event.progress };
    case 'done':
      return { id, state: 'done' };
    case 'failed':
      return { id, state: 'failed', message: event.message };
    case 'cancelled':
      return { id, state: 'cancelled' };
    default:
      return previous;
  }
}

export function createBacktestJobs(
  service: Pick<BacktestService, 'submit' | 'cancel' | 'get'>,
  options: { keepEndedMs?: number; now?: () => number } = {},
): BacktestJobs {
  const keepEndedMs = options.keepEndedMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const jobs = new Map<string, Tracked>();
  const prune = () => {
    for (const [id, job] of jobs) if (job.endedAt !== null && now() - job.endedAt > keepEndedMs) jobs.delete(id);
  };

  async function status(ownerId: string, id: string): Promise<BacktestJobStatus | null> {
    const job = jobs.get(id);
    if (job) return job.ownerId === ownerId ? job.status : null;
    return (await service.get(ownerId, id)) ? { id, state: 'done' } : null;
  }

  return {
    async submit(ownerId, params) {
      prune();
      // The service sends events only after `submit` resolved, so the id is known by the first one.
      const tracked: Tracked = { ownerId, status: { id: '', state: 'queued', position: null }, endedAt: null };
      const { id } = await service.submit(ownerId, params, (event) => {
        tracked.status = next(event, tracked.status);
        if (ENDED.has(tracked.status.state)) tracked.endedAt = now();
      });
      tracked.status = { ...tracked.status, id };
      jobs.set(id, tracked);
      return tracked.status;
    },
    status,
    async cancel(ownerId, id) {
      if (!service.cancel(ownerId, id)) return status(ownerId, id);
      // The service's `cancelled` event follows on a later turn; the job is over now.
      const cancelled: BacktestJobStatus = { id, state: 'cancelled' };
      const job = jobs.get(id);
      if (job) Object.assign(job, { status: cancelled, endedAt: now() });
      return cancelled;
    },
  };
}
