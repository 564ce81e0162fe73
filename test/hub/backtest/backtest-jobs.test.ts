/**
 * The polled state of backtest jobs (src/hub/backtest/backtest-jobs.ts) over a scripted service
 * (the real one, end to end, is in test/http/api-backtests.test.ts): each event moves the state,
 * a job is its owner's only, an ended job is forgotten after `keepEndedMs` and then reads as
 * `done` from the store (or unknown), cancel answers `cancelled` at once.
 */
import { describe, expect, it } from 'vitest';
import { createBacktestJobs } from '../../../src/hub/backtest/backtest-jobs.js';
import { HubEvents } from '../../../src/hub/events.js';
import type { BacktestEvent, BacktestRecord, BacktestService } from '../../../src/hub/backtest/types.js';
import { backtestParams } from '../../fixtures/backtest-params.js';

function scripted() {
  const listeners = new Map<string, (e: BacktestEvent) => void>();
  const stored = new Map<string, string>();
  const cancelled: string[] = [];
  let n = 0;
  const service: Pick<BacktestService, 'submit' | 'cancel' | 'get'> = {
    async submit(_owner, _params, listener) {
      const id = `00000000-0000-4000-8000-00000000000${++n}`;
      listeners.set(id, listener);
      return { id };
    },
    cancel(ownerId, id) {
      if (!listeners.has(id)) return false;
      cancelled.push(`${ownerId}:${id}`);
      return true;
    },
    async get(ownerId, id) {
      return stored.get(id) === ownerId ? ({ id, ownerId } as BacktestRecord) : null;
    },
  };
  return { service, listeners, stored, cancelled };
}

const params = backtestParams(0, 1);

describe('backtest jobs', () => {
  it('follows a job through its events, for its owner only', async () => {
    const s = scripted();
    const clock = { now: 0 };
    const jobs = createBacktestJobs(s.service, { keepEndedMs: 1000, now: () => clock.now });
    const { id } = await jobs.submit('ann', params);
    expect(await jobs.status('ann', id)).toEqual({ id, state: 'queued', position: null });
    const emit = s.listeners.get(id)!;
    emit({ kind: 'queued', position: 2 });
    expect(await jobs.status('ann', id)).toEqual({ id, state: 'queued', position: 2 });
    emit({ kind: 'started' });
    expect(await jobs.status('ann', id)).toEqual({ id, state: 'running', progress: null });
    emit({ kind: 'progress', progress: { barsDone: 10, barsTotal: 40, trades: 1 } });
    expect(await jobs.status('ann', id)).toEqual({ id, state: 'running', progress: { barsDone: 10, barsTotal: 40, trades: 1 } });
    expect(await jobs.status('bob', id)).toBeNull();
    emit({ kind: 'failed', message: 'no history' });
    expect(await jobs.status('ann', id)).toEqual({ id, state: 'failed', message: 'no history' });

    // Forgotten after keepEndedMs (pruned on the next submit): then only the store answers.
    clock.now = 1001;
    await jobs.submit('bob', params);
    expect(await jobs.status('ann', id)).toBeNull();
    s.stored.set(id, 'ann');
    expect(await jobs.status('ann', id)).toEqual({ id, state: 'done' });
    expect(await jobs.status('bob', id)).toBeNull();
  });

  it('keeps an ended job until keepEndedMs, and cancel answers cancelled at once', async () => {
    const s = scripted();
    const clock = { now: 0 };
    const jobs = createBacktestJobs(s.service, { keepEndedMs: 1000, now: () => clock.now });
    const done = await jobs.submit('ann', params);
    s.listeners.get(done.id)!({ kind: 'done', record: {} as BacktestRecord });
    clock.now = 999;
    await jobs.submit('cat', params);
    expect(await jobs.status('ann', done.id)).toEqual({ id: done.id, state: 'done' });

    const running = await jobs.submit('bob', params);
    expect(await jobs.cancel('bob', running.id)).toEqual({ id: running.id, state: 'cancelled' });
    expect(s.cancelled).toEqual([`bob:${running.id}`]);
    expect(await jobs.status('bob', running.id)).toEqual({ id: running.id, state: 'cancelled' });
    expect(await jobs.cancel('ann', '00000000-0000-4000-8000-000000000099')).toBeNull();
  });

  it('answers a poll and a cancel on another replica, through the cluster events', async () => {
    // Two replicas' buses joined as the event bridge joins them (each one's local events re-emitted remotely on the other).
    const busA = new HubEvents();
    const busB = new HubEvents();
    busA.onAnyLocal((name, data) => setImmediate(() => busB.emitRemote(name, data)));
    busB.onAnyLocal((name, data) => setImmediate(() => busA.emitRemote(name, data)));
    const onA = scripted();
    const onB = scripted();
    const cancelA = onA.service.cancel;
    // The real service sends `cancelled` on a later turn after a cancel.
    onA.service.cancel = (ownerId, id) => cancelA(ownerId, id) && (setImmediate(() => onA.listeners.get(id)!({ kind: 'cancelled' })), true);
    const jobsA = createBacktestJobs(onA.service, { events: busA });
    const jobsB = createBacktestJobs(onB.service, { events: busB, remoteCancelWaitMs: 2000 });

    const { id } = await jobsA.submit('ann', params);
    onA.listeners.get(id)!({ kind: 'progress', progress: { barsDone: 5, barsTotal: 50, trades: 0 } });
    await expect.poll(() => jobsB.status('ann', id)).toEqual({ id, state: 'running', progress: { barsDone: 5, barsTotal: 50, trades: 0 } });
    expect(await jobsB.status('bob', id)).toBeNull();

    expect(await jobsB.cancel('ann', id)).toEqual({ id, state: 'cancelled' });
    expect(onA.cancelled).toEqual([`ann:${id}`]);
    expect(await jobsA.status('ann', id)).toEqual({ id, state: 'cancelled' });
    expect(await jobsB.cancel('bob', id)).toBeNull();
  });
});
