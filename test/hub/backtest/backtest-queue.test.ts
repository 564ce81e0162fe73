/**
 * The backtest queue on real worker threads (a scripted worker, test/support/scripted-backtest-
 * worker.ts): the concurrency limit, positions in line, one job per trader, the bounded line,
 * cancel of a waiting job and of a running one (its thread really ends), a dying worker, close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBacktestQueue, type BacktestQueue, type QueueEvent, type QueueJob } from '../../../src/hub/backtest/backtest-queue.js';
import { BacktestBusyError, BacktestQueueFullError, BacktestsClosedError } from '../../../src/hub/backtest/queue-errors.js';
import type { BacktestParams, BacktestRecord, BacktestResult } from '../../../src/hub/backtest/types.js';
import { packBars, type JobOutcome, type WorkerJob } from '../../../src/hub/backtest/worker-messages.js';
import { WORKER_CRASHED_MESSAGE, type WorkerExit } from '../../../src/hub/backtest/worker-slot.js';

const scripted = new URL('../../support/scripted-backtest-worker.ts', import.meta.url);
const queues: BacktestQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

const exits: WorkerExit[] = [];
function queue(concurrency: number, maxWaiting = 10): BacktestQueue {
  const q = createBacktestQueue({ concurrency, maxWaiting, workerEntry: scripted, onWorkerExit: (e) => exits.push(e) });
  queues.push(q);
  return q;
}

function work(symbol: string, amountUsdt = 100): WorkerJob {
  const params = { symbol, amountUsdt, timeframe: '15m', strategy: 'momentum', fromMs: 0, toMs: 1 } as BacktestParams;
  const bars = [1, 2, 3].map((i) => ({ openTime: i * 900_000, open: i, high: i, low: i, close: i, volume: 1 }));
  return {
    kind: 'backtest',
    input: { params, costs: { feeBps: 6, slippageBps: 2 }, bars: packBars(bars), simulated: true, source: 'simulated' },
  };
}

interface Tracked {
  job: QueueJob;
  events: QueueEvent[];
  outcome: Promise<JobOutcome>;
  /** Resolves at the first event of `kind`. */
  next(kind: QueueEvent['kind']): Promise<void>;
}

let nextId = 0;
function tracked(ownerId: string): Tracked {
  const events: QueueEvent[] = [];
  const waiters: Array<{ kind: string; resolve: () => void }> = [];
  const wake = (kind: string) => waiters.filter((w) => w.kind === kind).forEach((w) => w.resolve());
  let settle!: (o: JobOutcome) => void;
  const outcome = new Promise<JobOutcome>((resolve) => (settle = resolve));
  const job: QueueJob = {
    id: `job-${++nextId}`,
    ownerId,
    onEvent: (e) => {
      events.push(e);
      wake(e.kind);
    },
    onOutcome: async (o) => {
      settle(o);
      return { kind: 'done', record: { id: job.id } as BacktestRecord };
    },
  };
  const next = (kind: string) =>
    events.some((e) => e.kind === kind) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ kind, resolve }));
  return { job, events, outcome, next };
}

/** The result fields the scripted worker fills: its thread and when its work started and ended. */
const stamp = (o: JobOutcome) => {
  const r = o.result as BacktestResult;
  return { thread: r.warmupBars, from: r.firstBarAt, to: r.lastBarAt };
};

const exitOf = (threadId: number) =>
  new Promise<WorkerExit>((resolve) => {
    const poll = setInterval(() => {
      const found = exits.find((e) => e.threadId === threadId);
      if (found) resolve(found);
      if (found) clearInterval(poll);
    }, 5);
  });

describe('backtest queue', () => {
  it('with concurrency 1, two jobs never overlap; with 2 they run at once', async () => {
    const one = queue(1);
    const [a, b] = [tracked('u1'), tracked('u2')];
    await one.enqueue(a.job, async () => work('SLOWUSDT', 150));
    await one.enqueue(b.job, async () => work('SLOWUSDT', 150));
    const [ra, rb] = [stamp(await a.outcome), stamp(await b.outcome)];
    expect(rb.from).toBeGreaterThanOrEqual(ra.to);
    expect(b.events.map((e) => e.kind)).toEqual(['queued', 'started']);
    expect(b.events[0]).toEqual({ kind: 'queued', position: 1 });

    // With 2 slots both spin at once, each on its own thread.
    const two = queue(2);
    const [c, d] = [tracked('u1'), tracked('u2')];
    await two.enqueue(c.job, async () => work('SPINUSDT'));
    await two.enqueue(d.job, async () => work('SPINUSDT'));
    await Promise.all([c.next('progress'), d.next('progress')]);
    expect(two.stats()).toMatchObject({ running: 2, waiting: 0 });
    expect(new Set(two.stats().threads).size).toBe(2);
    expect(d.events[0]).toEqual({ kind: 'started' });
  }, 30_000);

  it('events come after enqueue resolves; a waiting job hears its position move; cancel takes it out of line', async () => {
    const q = queue(1);
    const [a, b, c] = [tracked('u1'), tracked('u2'), tracked('u3')];
    await q.enqueue(a.job, async () => work('SPINUSDT'));
    expect(a.events).toEqual([]);
    await q.enqueue(b.job, async () => work('OKUSDT'));
    await q.enqueue(c.job, async () => work('OKUSDT'));
    await c.next('queued');
    expect(b.events).toEqual([{ kind: 'queued', position: 1 }]);
    expect(c.events).toEqual([{ kind: 'queued', position: 2 }]);
    expect(q.stats()).toMatchObject({ running: 1, waiting: 2 });

    expect(q.cancel('u3', b.job.id)).toBe(false); // not theirs
    expect(q.cancel('u2', b.job.id)).toBe(true);
    expect(b.events.at(-1)).toEqual({ kind: 'cancelled' });
    await new Promise((r) => setImmediate(r));
    expect(c.events.at(-1)).toEqual({ kind: 'queued', position: 1 });
    expect(q.cancel('u2', b.job.id)).toBe(false); // already over
  }, 30_000);

  it('cancel of a running job terminates its worker thread, and the slot serves the next job', async () => {
    const q = queue(1);
    const a = tracked('u1');
    await q.enqueue(a.job, async () => work('SPINUSDT'));
    await a.next('progress');
    const [thread] = q.stats().threads;
    expect(thread).toBeGreaterThan(0);
    expect(q.cancel('u1', a.job.id)).toBe(true);
    expect(a.events.at(-1)).toEqual({ kind: 'cancelled' });
    // The spinning loop never yields: only a terminated thread exits.
    expect((await exitOf(thread!)).code).toBe(1);
    expect(q.stats()).toMatchObject({ running: 0, threads: [] });
    const progressBefore = a.events.filter((e) => e.kind === 'progress').length;

    const again = tracked('u1');
    await q.enqueue(again.job, async () => work('OKUSDT'));
    const next = stamp(await again.outcome);
    expect(next.thread).not.toBe(thread);
    expect(a.events.filter((e) => e.kind === 'progress')).toHaveLength(progressBefore);
  }, 30_000);

  it('one job per trader, from the moment its history starts loading', async () => {
    const q = queue(2);
    let release!: () => void;
    const loading = new Promise<void>((resolve) => (release = resolve));
    const a = tracked('u1');
    const first = q.enqueue(a.job, async () => {
      await loading;
      return work('OKUSDT');
    });
    await expect(q.enqueue(tracked('u1').job, async () => work('OKUSDT'))).rejects.toBeInstanceOf(BacktestBusyError);
    release();
    await first;
    const busy = await q.enqueue(tracked('u1').job, async () => work('OKUSDT')).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(BacktestBusyError);
    expect((busy as BacktestBusyError).userMessage).toMatch(/already have a backtest running.*Cancel.*\/backtests/);
    // The trader may start the next one as soon as they hear `done`.
    await a.next('done');
    const b = tracked('u1');
    await q.enqueue(b.job, async () => work('OKUSDT'));
    await b.outcome;
  }, 30_000);

  it('a failed history load leaves the line and frees the trader', async () => {
    const q = queue(1);
    await expect(q.enqueue(tracked('u1').job, async () => Promise.reject(new Error('no such symbol')))).rejects.toThrow('no such symbol');
    expect(q.stats()).toMatchObject({ preparing: 0, waiting: 0, running: 0 });
    const a = tracked('u1');
    await q.enqueue(a.job, async () => work('OKUSDT'));
    await a.outcome;
  }, 30_000);

  it('the line is bounded: beyond the free slots and maxWaiting a job is refused', async () => {
    const q = queue(1, 2);
    await q.enqueue(tracked('u1').job, async () => work('SPINUSDT'));
    await q.enqueue(tracked('u2').job, async () => work('OKUSDT'));
    await q.enqueue(tracked('u3').job, async () => work('OKUSDT'));
    const full = await q.enqueue(tracked('u4').job, async () => work('OKUSDT')).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(BacktestQueueFullError);
    expect((full as BacktestQueueFullError).userMessage).toBe('Too many backtests are waiting right now (2). Try again in a few minutes.');
  }, 30_000);

  it('a worker that dies fails its job and frees the slot; a runner error fails the job and keeps the worker', async () => {
    const q = queue(1);
    const crash = tracked('u1');
    await q.enqueue(crash.job, async () => work('CRASHUSDT'));
    await crash.next('failed');
    expect(crash.events.at(-1)).toEqual({ kind: 'failed', message: WORKER_CRASHED_MESSAGE });
    const thrown = tracked('u1');
    await q.enqueue(thrown.job, async () => work('THROWUSDT'));
    await thrown.next('failed');
    expect(thrown.events.at(-1)).toEqual({ kind: 'failed', message: 'The backtest failed: boom in the runner' });
    const ok = tracked('u1');
    await q.enqueue(ok.job, async () => work('OKUSDT'));
    expect(stamp(await ok.outcome).thread).toBe(q.stats().threads[0]);
  }, 30_000);

  it('close cancels what runs and waits, ends every worker and refuses new jobs', async () => {
    const q = createBacktestQueue({ concurrency: 1, maxWaiting: 5, workerEntry: scripted, onWorkerExit: (e) => exits.push(e) });
    const [a, b] = [tracked('u1'), tracked('u2')];
    await q.enqueue(a.job, async () => work('SPINUSDT'));
    await q.enqueue(b.job, async () => work('OKUSDT'));
    await a.next('progress');
    const [thread] = q.stats().threads;
    await q.close();
    expect(a.events.at(-1)).toEqual({ kind: 'cancelled' });
    expect(b.events.at(-1)).toEqual({ kind: 'cancelled' });
    expect(exits.some((e) => e.threadId === thread)).toBe(true);
    await expect(q.enqueue(tracked('u3').job, async () => work('OKUSDT'))).rejects.toBeInstanceOf(BacktestsClosedError);
  }, 30_000);
});
