/**
 * One place where a backtest runs: a worker thread (started on the first job, kept for the next
 * ones, ended after `idleMs` without work) running one job at a time. `kill()` terminates the
 * thread at once, wherever the engine is in its loop: that is how a running backtest is
 * cancelled. A worker that dies fails its job; the next job gets a new worker.
 *
 * The worker runs ./worker.js in the compiled build, ./worker.ts from source (tsx registered
 * inside the worker first): the same start as the chart renderer's (`startWorker`).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../../logger.js';
import { startWorker } from '../charts/render-pool.js';
import type { BacktestProgress } from './types.js';
import type { JobOutcome, WorkerReply, WorkerRequest } from './worker-messages.js';

/** What the trader reads when the worker died under their backtest (the cause goes to the log). */
export const WORKER_CRASHED_MESSAGE = 'The backtest stopped unexpectedly. Try again, or with a shorter period.';

export interface SlotHandlers {
  progress(progress: BacktestProgress): void;
  done(outcome: JobOutcome): void;
  /** `message` is for the trader. */
  failed(message: string): void;
}

export interface WorkerExit {
  threadId: number;
  code: number;
}

export interface WorkerSlotOptions {
  /** The worker's entry; default ./worker.{js,ts} (tests give a scripted one). */
  workerEntry?: URL;
  /** An idle worker is ended after this long (ms, default 60 000). */
  idleMs?: number;
  /** Heap limit of a worker (MB, default 512). */
  maxHeapMb?: number;
  logger?: Logger;
  /** Told when a worker thread has ended, whatever the reason. */
  onWorkerExit?: (exit: WorkerExit) => void;
}

export interface WorkerSlot {
  readonly busy: boolean;
  /** The running worker's thread id, or null when there is none. */
  readonly threadId: number | null;
  /** Runs the job on this slot's worker; the packed bars' buffer is transferred, not copied. */
  run(request: WorkerRequest, handlers: SlotHandlers): void;
  /** Terminates the worker now; its job (if any) gets no further callback. Resolves once the thread has ended. */
  kill(): Promise<void>;
}

function defaultEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./worker.${ext}`, import.meta.url);
}

export function createWorkerSlot(options: WorkerSlotOptions = {}): WorkerSlot {
  const entry = options.workerEntry ?? defaultEntry();
  const idleMs = options.idleMs ?? 60_000;
  let worker: Worker | undefined;
  let job: { id: string; handlers: SlotHandlers } | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  function crash(cause: string): void {
    const lost = job;
    const dead = worker;
    worker = undefined;
    job = undefined;
    void dead?.terminate();
    options.logger?.error({ cause, jobId: lost?.id }, 'backtest worker died');
    lost?.handlers.failed(WORKER_CRASHED_MESSAGE);
  }

  /** The job is answered: the worker waits for the next one without keeping the process alive. */
  function park(w: Worker): void {
    job = undefined;
    w.unref();
    idleTimer = setTimeout(() => void (job ? undefined : kill()), idleMs);
    idleTimer.unref();
  }

  function onReply(w: Worker, reply: WorkerReply): void {
    const current = job;
    if (w !== worker || !current || reply.id !== current.id) return;
    if (reply.type === 'progress') return current.handlers.progress(reply.progress);
    park(w);
    if (reply.type === 'done') return current.handlers.done(reply.outcome);
    options.logger?.warn({ jobId: reply.id, error: reply.error }, 'backtest failed');
    current.handlers.failed(`The backtest failed: ${reply.error.message}`);
  }

  function spawn(): Worker {
    // A large young generation: a backtest allocates per bar, and fewer scavenges mean less of
    // V8's shared GC helper threads (which run at the hub's priority) taken from the hub.
    const w = startWorker(entry, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512, maxYoungGenerationSizeMb: 64 } });
    const threadId = w.threadId;
    w.on('message', (reply: WorkerReply) => onReply(w, reply));
    w.on('error', (error) => {
      if (w === worker) crash(`${error.name}: ${error.message}`);
    });
    w.on('exit', (code) => {
      options.onWorkerExit?.({ threadId, code });
      if (w === worker) crash(`the worker exited with code ${code}`);
    });
    return w;
  }

  async function kill(): Promise<void> {
    clearTimeout(idleTimer);
    const w = worker;
    worker = undefined;
    job = undefined;
    await w?.terminate();
  }

  return {
    get busy() {
      return job !== undefined;
    },
    get threadId() {
      return worker ? worker.threadId : null;
    },
    run(request, handlers) {
      clearTimeout(idleTimer);
      const w = (worker ??= spawn());
      w.ref();
      job = { id: request.id, handlers };
      w.postMessage(request, [request.input.bars.buffer]);
    },
    kill,
  };
}
