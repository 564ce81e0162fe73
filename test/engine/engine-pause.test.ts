/**
 * The owner's trading controls as the engine sees them: paused (`config.paused`, from `/start`
 * or live through `POST /config`) blocks new entries while the open position stays managed (TP,
 * a reversed signal, the drawdown stop); a force exit by the hub is learnt from the status ack and
 * taken as the hub's close, with no entry in that tick. Also the agent's validation of the field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseLiveConfigPatch, parseStartRequest } from '../../agent/src/validate.js';
import { closes, opens, startHarness, type Harness } from './engine-harness.js';
import { openPosition, startRequest } from '../agent/helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const orders = (x: Harness, action: 'open' | 'close') => x.hub.orders.filter((o) => o.action === action);

/** A long of 1 @ 100 held by the hub and handed to the engine, with the given levels. */
function held(levels: { tpPrice: number | null; slPrice: number | null }) {
  const position = openPosition({ entryPrice: 100, qty: 1, ...levels });
  return { position, prepare: (hub: Harness['hub']) => hub.setPosition(position) };
}

describe('engine: paused by the owner', () => {
  it('started paused, it opens nothing on a strong signal; resumed live, it opens at the next tick', async () => {
    h = await startHarness({ config: { paused: true } });
    h.signal.value = 0.9;
    await h.ticks(4);
    expect(orders(h, 'open')).toEqual([]);
    expect(h.engine.status().position).toBeNull();

    h.engine.applyConfig({ paused: false });
    await h.tick();
    expect(opens(h)).toHaveLength(1);
    expect(h.engine.status().position).toMatchObject({ side: 'long' });
  });

  it('paused live while holding: the take-profit still closes the position, and no entry follows', async () => {
    const { position, prepare } = held({ tpPrice: 102, slPrice: null });
    h = await startHarness({ position, prepare, price: 101 });
    h.signal.value = 0.9; // holding long: no close on it
    await h.tick();
    h.engine.applyConfig({ paused: true });
    expect(h.lines.at(-1)?.msg).toBe('settings changed: paused true');
    h.hub.setPrice(102);
    await h.tick();
    expect(orders(h, 'close').map((o) => o.reason)).toEqual(['TP hit: price 102 ≥ TP 102']);
    await h.ticks(6); // well past the 2-tick cooldown
    expect(orders(h, 'open')).toEqual([]);
    expect(h.engine.state).toBe('running');
  });

  it('paused, a reversed signal still closes the held position', async () => {
    const { position, prepare } = held({ tpPrice: null, slPrice: null });
    h = await startHarness({ config: { paused: true }, position, prepare });
    h.signal.value = -0.9;
    await h.tick();
    expect(orders(h, 'close').map((o) => o.reason)).toEqual([expect.stringMatching(/^signal reversed/)]);
    await h.ticks(4);
    expect(orders(h, 'open')).toEqual([]);
  });

  it('paused, the drawdown stop still closes the position and stops the session', async () => {
    const { position, prepare } = held({ tpPrice: null, slPrice: null });
    h = await startHarness({ config: { paused: true, maxSessionLossPct: 2 }, position, prepare, price: 97 });
    await h.engine.done(); // the first tick hits the limit
    expect(h.engine.state).toBe('stopped');
    expect(orders(h, 'close').map((o) => o.reason)).toEqual(['drawdown stop: loss 3% of capital ≥ 2% limit']);
  });
});

describe("engine: the hub's force exit", () => {
  it('is learnt from the status ack and taken as the hub close (no second fill); no entry in that tick, the session runs on', async () => {
    h = await startHarness();
    h.signal.value = 0.9;
    await h.tick();
    const [opened] = opens(h);
    expect(opened).toBeDefined();
    await h.flush();
    const forced = h.hub.forceExit();
    await h.tick(); // pushes a status naming the trade; the hub answers it closed it
    await h.flush();
    expect(orders(h, 'close')).toEqual([]);
    await h.tick();
    expect(orders(h, 'close')).toEqual([expect.objectContaining({ tradeId: opened!.tradeId, reason: 'the hub closed the position' })]);
    expect(closes(h)).toEqual([forced]); // the answer was the stored close
    expect(orders(h, 'open')).toHaveLength(1); // the strong signal opened nothing in that tick
    expect(h.engine.status()).toMatchObject({
      position: null,
      realizedPnl: forced.realizedPnl,
      lastAction: 'CLOSE: the hub closed the position',
    });
    await h.ticks(3); // after the cooldown, it trades on
    expect(opens(h)).toHaveLength(2);
    expect(h.engine.state).toBe('running');
  });
});

describe('agent validation: paused', () => {
  it('/start and /config take a boolean `paused`, absent means not paused, and refuse another type', () => {
    expect(parseStartRequest(startRequest('', { config: { paused: true } })).config.paused).toBe(true);
    expect(parseStartRequest(startRequest('')).config.paused).toBeUndefined();
    expect(() => parseStartRequest(startRequest('', { config: { paused: 'yes' as never } }))).toThrow('config.paused: expected a boolean');
    expect(parseLiveConfigPatch({ paused: false })).toEqual({ paused: false });
    expect(() => parseLiveConfigPatch({ paused: 1 })).toThrow('body.paused: expected a boolean');
    expect(() => parseLiveConfigPatch({ paused: null })).toThrow('body.paused: expected a boolean');
  });
});
