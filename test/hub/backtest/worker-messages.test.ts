/** Bars packed for the worker come back as they were; progress is posted four times a second at most. */
import { describe, expect, it } from 'vitest';
import type { BacktestProgress } from '../../../src/hub/backtest/types.js';
import { packBars, throttleProgress, unpackBars } from '../../../src/hub/backtest/worker-messages.js';

describe('worker messages', () => {
  it('packs bars into one transferable array and unpacks them unchanged', () => {
    const bars = [
      { openTime: 1_700_000_000_000, open: 65_000.5, high: 65_100.25, low: 64_900.125, close: 65_050, volume: 12.345 },
      { openTime: 1_700_000_900_000, open: 0.000012, high: 0.000013, low: 0.000011, close: 0.0000125, volume: 1e12 },
    ];
    const packed = packBars(bars);
    expect(packed.buffer.byteLength).toBe(2 * 6 * 8);
    expect(unpackBars(packed)).toEqual(bars);
    expect(unpackBars(packBars([]))).toEqual([]);
  });

  it('posts progress at most every everyMs, the first at once, and always the last bar', () => {
    let t = 0;
    const posted: BacktestProgress[] = [];
    const progress = throttleProgress((p) => posted.push(p), { everyMs: 250, now: () => t });
    const at = (barsDone: number) => progress({ barsDone, barsTotal: 1000, trades: 0 });
    at(10);
    for (let i = 11; i < 500; i++) at(i);
    t = 249;
    at(600);
    t = 250;
    at(700);
    at(1000);
    expect(posted.map((p) => p.barsDone)).toEqual([10, 700, 1000]);
  });
});
