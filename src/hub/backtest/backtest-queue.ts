/**
 * The line of backtests: at most `concurrency` run at once, each in its own worker thread
 * (./worker-slot.ts), at most `maxWaiting` wait, and each trader has at most one job in the
 * line (preparing, waiting, running, or having its result stored). A job's life:
 *
 *   enqueue → preparing (its history is loaded) → waiting (`queued`, position 1 = next) →
 *   running (`started`, `progress`…) → its outcome handed to `onOutcome` (the service stores it
 *   and answers `done`, sent once the trader's place is free); or `failed` (the runner threw,
 *   the worker died), or `cancelled`.
 *
 * Events are delivered after `enqueue` has resolved (never from inside it), so the caller knows
 * the job's id before its first event. A waiting job hears its new position each time it moves
 * up. `cancel` takes a waiting job out of the line, and terminates the worker of a running one.
 */
import { BacktestBusyError, BacktestQueueFullError, BacktestsClosedError } from './queue-errors.js';
import type { BacktestEvent } from './types.js';
import type { JobOutcome, WorkerJob } from './worker-messages.js';
import { createWorkerSlot, type WorkerSlot, type WorkerSlotOptions } from './worker-slot.js';

export type QueueEvent = BacktestEvent;

export interface QueueJob {
  id: string;
  ownerId: string;
  onEvent(event: QueueEvent): void;
  /**
   * The worker's result, to store. Answers the job's last event (`done`, or `failed` when it
   * could not be stored), which the queue sends once the owner's place is free again.
   */
  onOutcome(outcome: JobOutcome): Promise<QueueEvent>;
}

export interface BacktestQueueOptions extends WorkerSlotOptions {
  /** Jobs running at once, each in its worker thread (BACKTEST_CONCURRENCY). */
  concurrency: number;
  /** Jobs allowed to wait for a worker (BACKTEST_QUEUE_MAX). */
  maxWaiting: number;
}

export interface QueueStats {
  preparing: number;
  waiting: number;
  running: number;
  /** Thread ids of the live workers (running or idle). */
  threads: number[];
}

export interface BacktestQueue {
  /**
   * Admits the job (BacktestBusyError, BacktestQueueFullError, BacktestsClosedError), then awaits
   * `prepare` (a rejection is passed on, and the job leaves) and puts the job in line.
   */
  enqueue(job: QueueJob, prepare: () => Promise<WorkerJob>): Promise<void>;
  /** True when the owner's job was taken out of the line or stopped; false when not theirs or already over. */
  cancel(ownerId: string, id: string): boolean;
  stats(): QueueStats;
  /** Cancels every job, terminates the workers and waits for results being stored. */
  close(): Promise<void>;
}

type State = 'preparing' | 'waiting' | 'running' | 'storing';

interface Entry {
  job: QueueJob;
  state: State;
  work?: WorkerJob;
  slot?: WorkerSlot;
  /** The position last told to the owner. */
  told?: number;
}

/** The queue's state, shared by the steps below. */
interface Line {
  options: BacktestQueueOptions;
  slots: WorkerSlot[];
  /** Every admitted job not yet over, by id. */
  entries: Map<string, Entry>;
  /** Jobs waiting for a slot, first in line first. */
  waiting: Entry[];
  /** Results being stored (close waits for them). */
  storing: Set<Promise<unknown>>;
  closed: boolean;
  pumpScheduled: boolean;
}

const STORE_FAILED = 'The backtest ran, but its result could not be saved. Try again.';

const count = (line: Line, state: State) => [...line.entries.values()].filter((e) => e.state === state).length;

function emit(line: Line, entry: Entry, event: QueueEvent): void {
  try {
    entry.job.onEvent(event);
  } catch (error) {
    line.options.logger?.warn({ err: error, jobId: entry.job.id }, 'backtest listener threw');
  }
}

/** The job is over: its owner may submit again, then hears its last event. */
function finish(line: Line, entry: Entry, event?: QueueEvent): void {
  line.entries.delete(entry.job.id);
  if (event) emit(line, entry, event);
  schedulePump(line);
}

/** The worker is free for the next job while the result is stored. */
function store(line: Line, entry: Entry, outcome: JobOutcome): void {
  entry.state = 'storing';
  schedulePump(line);
  const stored = entry.job.onOutcome(outcome).then(
    (last) => finish(line, entry, last),
    (error: unknown) => {
      line.options.logger?.error({ err: error, jobId: entry.job.id }, 'storing a backtest result failed');
      finish(line, entry, { kind: 'failed', message: STORE_FAILED });
    },
  );
  line.storing.add(stored);
  void stored.finally(() => line.storing.delete(stored));
}

function start(line: Line, slot: WorkerSlot, entry: Entry): void {
  entry.state = 'running';
  entry.slot = slot;
  emit(line, entry, { kind: 'started' });
  slot.run(
    { id: entry.job.id, ...entry.work! },
    {
      progress: (progress) => emit(line, entry, { kind: 'progress', progress }),
      done: (outcome) => store(line, entry, outcome),
      failed: (message) => finish(line, entry, { kind: 'failed', message }),
    },
  );
  entry.work = undefined;
}

/** Starts waiting jobs on free slots, then tells every job still waiting its position if it moved. */
function pump(line: Line): void {
  line.pumpScheduled = false;
  if (line.closed) return;
  for (const slot of line.slots) {
    if (!slot.busy && line.waiting.length > 0) start(line, slot, line.waiting.shift()!);
  }
  line.waiting.forEach((entry, i) => {
    if (entry.told === i + 1) return;
    entry.told = i + 1;
    emit(line, entry, { kind: 'queued', position: i + 1 });
  });
}

/** Events leave on a later turn of the event loop: never from inside `enqueue` or `cancel`. */
function schedulePump(line: Line): void {
  if (line.pumpScheduled) return;
  line.pumpScheduled = true;
  setImmediate(() => pump(line));
}

function admit(line: Line, job: QueueJob): void {
  if (line.closed) throw new BacktestsClosedError();
  if ([...line.entries.values()].some((e) => e.job.ownerId === job.ownerId)) throw new BacktestBusyError();
  // Admitted and not yet running: room for them is the free slots plus the waiting list.
  const inLine = count(line, 'preparing') + count(line, 'waiting');
  const free = line.slots.length - count(line, 'running');
  if (inLine >= free + line.options.maxWaiting) throw new BacktestQueueFullError(line.options.maxWaiting);
}

export function createBacktestQueue(options: BacktestQueueOptions): BacktestQueue {
  const line: Line = {
    options,
    slots: Array.from({ length: Math.max(1, options.concurrency) }, () => createWorkerSlot(options)),
    entries: new Map(),
    waiting: [],
    storing: new Set(),
    closed: false,
    pumpScheduled: false,
  };

  return {
    async enqueue(job, prepare) {
      admit(line, job);
      const entry: Entry = { job, state: 'preparing' };
      line.entries.set(job.id, entry);
      let work: WorkerJob;
      try {
        work = await prepare();
      } catch (error) {
        line.entries.delete(job.id);
        throw error;
      }
      if (line.closed) throw new BacktestsClosedError();
      if (line.entries.get(job.id) !== entry) return; // cancelled while its history was loading
      entry.state = 'waiting';
      entry.work = work;
      line.waiting.push(entry);
      schedulePump(line);
    },

    cancel(ownerId, id) {
      const entry = line.entries.get(id);
      if (!entry || entry.job.ownerId !== ownerId || entry.state === 'storing') return false;
      if (entry.state === 'waiting') line.waiting.splice(line.waiting.indexOf(entry), 1);
      if (entry.state === 'running') void entry.slot!.kill();
      finish(line, entry, { kind: 'cancelled' });
      return true;
    },

    stats() {
      const threads = line.slots.flatMap((s) => (s.threadId === null ? [] : [s.threadId]));
      return { preparing: count(line, 'preparing'), waiting: count(line, 'waiting'), running: count(line, 'running'), threads };
    },

    async close() {
      line.closed = true;
      line.waiting.length = 0;
      for (const entry of [...line.entries.values()]) {
        if (entry.state === 'storing') continue;
        line.entries.delete(entry.job.id);
        // A job still loading its history is refused by its `enqueue` instead.
        if (entry.state !== 'preparing') emit(line, entry, { kind: 'cancelled' });
      }
      await Promise.all(line.slots.map((s) => s.kill()));
      await Promise.all([...line.storing]);
    },
  };
}
