/**
 * Live settings of a running engine (`applyConfig`, what `POST /config` calls): they count from
 * the next tick, and a changed TP/SL percent moves the held position's level.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flatCandles, startHarness, type Harness } from './engine-harness.js';
import { openPosition } from '../agent/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const closeReasons = (x: Harness) => x.hub.orders.filter((o) => o.action === 'close').map((o) => o.reason);

/** A long of 1 @ 100 held by the hub and handed to the engine, with the given levels. */
function held(levels: { tpPrice: number | null; slPrice: number | null }) {
  const position = openPosition({ entryPrice: 100, qty: 1, ...levels });
  return { position, prepare: (hub: Harness['hub']) => hub.setPosition(position) };
}

describe('engine: live settings', () => {
  it('a new TP percent moves the TP from the entry and keeps the SL the supervisor set', async () => {
    const { position, prepare } = held({ tpPrice: 110, slPrice: 99.5 });
    h = await startHarness({ config: { tpPct: 10, slPct: 2 }, position, prepare, price: 101 });
    await h.tick();
    const status = h.engine.applyConfig({ tpPct: 1 });
    expect(status.position).toMatchObject({ tpPrice: expect.closeTo(101, 9), slPrice: 99.5 });
    expect(h.lines.at(-1)?.msg).toBe('settings changed: tpPct 1; long position: TP 101, SL 99.5');
    await h.tick();
    expect(closeReasons(h)).toEqual(['TP hit: price 101 ≥ TP 101']);
  });

  it('a stop-loss set to none removes the SL of the held position', async () => {
    const { position, prepare } = held({ tpPrice: null, slPrice: 98 });
    h = await startHarness({ config: { slPct: 2 }, position, prepare });
    await h.tick();
    h.engine.applyConfig({ slPct: null });
    h.hub.setPrice(97);
    await h.tick();
    expect(closeReasons(h)).toEqual([]);
    expect(h.engine.status().position).toMatchObject({ tpPrice: null, slPrice: null });
  });

  it('in dynamic mode the percents set no levels: the held ones stay', async () => {
    const { position, prepare } = held({ tpPrice: 108, slPrice: 96 });
    h = await startHarness({ config: { tpSlMode: 'dynamic' }, position, prepare, candles: flatCandles(60, 100, 2) });
    await h.tick();
    expect(h.engine.applyConfig({ tpPct: 1, slPct: 1 }).position).toMatchObject({ tpPrice: 108, slPrice: 96 });
  });

  it('a lowered loss limit stops the session at the next tick', async () => {
    const { position, prepare } = held({ tpPrice: null, slPrice: null });
    h = await startHarness({ config: { maxSessionLossPct: 10 }, position, prepare, price: 97 });
    await h.tick();
    expect(h.engine.state).toBe('running');
    h.engine.applyConfig({ maxSessionLossPct: 2 });
    await h.tick();
    await h.engine.done();
    expect(h.engine.state).toBe('stopped');
    expect(closeReasons(h)).toEqual(['drawdown stop: loss 3% of capital ≥ 2% limit']);
  });

  it('while flat, the next open takes its levels from the new percents', async () => {
    h = await startHarness({ config: { tpPct: 10, slPct: 5 } });
    h.engine.applyConfig({ tpPct: 3, slPct: 1 });
    h.signal.value = 0.6;
    await h.tick();
    const open = h.hub.orders.find((o) => o.action === 'open')!;
    expect(open.tpPrice).toBeCloseTo(103, 9);
    expect(open.slPrice).toBeCloseTo(99, 9);
  });
});
