/**
 * When live order intents are reconciled: once at boot (before `start` resolves), then every
 * interval; a failing pass is logged and the next one still runs; `stop` ends the passes and
 * waits for orders still out at the exchange.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReconcileReport } from '../../../src/hub/broker/broker.js';
import { reconcileLiveOrders } from '../../../src/hub/broker/reconcile-schedule.js';
import { createLogger } from '../../../src/logger.js';

const empty: ReconcileReport = { recorded: [], failed: [], orphaned: [], pending: [] };

afterEach(() => {
  vi.useRealTimers();
});

describe('reconcileLiveOrders', () => {
  it('reconciles at start, then every interval, survives a failing pass, and waits for orders out at stop', async () => {
    vi.useFakeTimers();
    const passes: string[] = [];
    let failNext = false;
    let idleCalls = 0;
    const broker = {
      async reconcile() {
        passes.push('pass');
        if (failNext) {
          failNext = false;
          throw new Error('exchange down');
        }
        return empty;
      },
      async idle() {
        idleCalls++;
      },
    };
    const schedule = reconcileLiveOrders({ broker, logger: createLogger({ level: 'silent' }), intervalMs: 1000 });
    await schedule.start();
    expect(passes).toHaveLength(1);
    failNext = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(passes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(passes).toHaveLength(3);
    await schedule.stop();
    expect(idleCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(passes).toHaveLength(3);
  });
});
