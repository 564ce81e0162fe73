/**
 * Where a submitted backtest stands, for clients that poll (the client API's
 * `GET /api/v1/backtests/:id/status`): the service pushes events to a listener; this keeps the last
 * state of each job, per owner, while it is on and for `keepEndedMs` after it ended. A job older
 * than that (or from before a restart) is `done` when its record is stored, else unknown.
 *
 * Several hub replicas: the queue and its workers are the submitting replica's, in memory; every
 * state change goes out as a `backtest.job` hub event, which every replica follows (cluster-wide),
 * so a poll on another replica answers from the last state it heard. A cancel on another replica
 * goes out as `backtest.cancel_requested`: the replica running the job cancels it, and the asker
 * answers with the `cancelled` state once it hears it (or the state it knows after 3 s). A job
 * whose replica died is lost with it, as a job is across a restart today.
 */
import { HubError } from '../errors.js';
import type { HubEvents } from '../events.js';
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

export interface BacktestJobsOptions {
  keepEndedMs?: number;
  now?: () => number;
  /** The hub's events: job states and cancel requests cross replicas through them. */
  events?: Pick<HubEvents, 'emit' | 'on' | 'waitFor'>;
  /** How long a cancel of a job on another replica waits for its `cancelled` state, ms (default 3 000). */
  remoteCancelWaitMs?: number;
}

export function createBacktestJobs(
  service: Pick<BacktestService, 'submit' | 'cancel' | 'get'>,
  options: BacktestJobsOptions = {},
): BacktestJobs {
  const keepEndedMs = options.keepEndedMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const { events } = options;
  /** Jobs submitted here. */
  const jobs = new Map<string, Tracked>();
  /** Jobs of other replicas, as their last `backtest.job` event said. */
  const elsewhere = new Map<string, Tracked>();
  const prune = () => {
    for (const map of [jobs, elsewhere])
      for (const [id, job] of map) if (job.endedAt !== null && now() - job.endedAt > keepEndedMs) map.delete(id);
  };
  // Cluster-wide: states of jobs running elsewhere (this replica's own are in `jobs` already).
  events?.on('backtest.job', ({ ownerId, job }) => {
    if (jobs.has(job.id)) return;
    if (elsewhere.size > 10_000) prune();
    elsewhere.set(job.id, { ownerId, status: job, endedAt: ENDED.has(job.state) ? now() : null });
  });
  // Cluster-wide, acted on only by the replica that runs the job (the service knows it).
  events?.on('backtest.cancel_requested', ({ ownerId, id }) => void service.cancel(ownerId, id));

  async function status(ownerId: string, id: string): Promise<BacktestJobStatus | null> {
    const job = jobs.get(id) ?? elsewhere.get(id);
    if (job) return job.ownerId === ownerId ? job.status : null;
    return (await service.get(ownerId, id)) ? { id, state: 'done' } : null;
  }

  /** A job of another replica: asks it to cancel, answers with the state heard within the wait. */
  async function cancelElsewhere(ownerId: string, id: string): Promise<BacktestJobStatus | null> {
    const job = elsewhere.get(id);
    if (!events || !job || job.ownerId !== ownerId || ENDED.has(job.status.state)) return status(ownerId, id);
    const ended = events.waitFor('backtest.job', (e) => e.job.id === id && ENDED.has(e.job.state), options.remoteCancelWaitMs ?? 3000);
    events.emit('backtest.cancel_requested', { ownerId, id });
    return ended.then((e) => e.job).catch(() => status(ownerId, id));
  }

  return {
    async submit(ownerId, params) {
      prune();
      // The service sends events only after `submit` resolved, so the id is known by the first one.
      const tracked: Tracked = { ownerId, status: { id: '', state: 'queued', position: null }, endedAt: null };
      const { id } = await service.submit(ownerId, params, (event) => {
        tracked.status = next(event, tracked.status);
        if (ENDED.has(tracked.status.state)) tracked.endedAt = now();
        events?.emit('backtest.job', { ownerId, job: tracked.status });
      });
      tracked.status = { ...tracked.status, id };
      jobs.set(id, tracked);
      events?.emit('backtest.job', { ownerId, job: tracked.status });
      return tracked.status;
    },
    status,
    async cancel(ownerId, id) {
      if (!service.cancel(ownerId, id)) return jobs.has(id) ? status(ownerId, id) : cancelElsewhere(ownerId, id);
      // The service's `cancelled` event follows on a later turn; the job is over now.
      const cancelled: BacktestJobStatus = { id, state: 'cancelled' };
      const job = jobs.get(id);
      if (job) Object.assign(job, { status: cancelled, endedAt: now() });
      return cancelled;
    },
  };
}
