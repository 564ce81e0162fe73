import { afterEach, describe, expect, it } from 'vitest';
import { closes, flatCandles, opens, startHarness, type Harness } from './engine-harness.js';
import { openPosition } from '../agent/helpers.js';
import { waitUntil } from '../support/wait.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const closeReasons = (x: Harness) => x.hub.orders.filter((o) => o.action === 'close').map((o) => o.reason);

describe('engine: TP/SL', () => {
  it('fixed mode: TP at tpPct % above a long entry, SL at slPct % below; closes when hit', async () => {
    h = await startHarness({ config: { tpPct: 2, slPct: 1, tpSlMode: 'fixed' } });
    h.signal.value = 0.6;
    await h.tick(); // opens at 100
    expect(opens(h)).toHaveLength(1);
    const open = h.hub.orders.find((o) => o.action === 'open')!;
    expect(open.side).toBe('long');
    expect(open.tpPrice).toBeCloseTo(102, 9);
    expect(open.slPrice).toBeCloseTo(99, 9);

    h.hub.setPrice(101.9);
    await h.tick();
    expect(closes(h)).toHaveLength(0);
    h.hub.setPrice(102.1);
    await h.tick();
    expect(closes(h)).toHaveLength(1);
    expect(closes(h)[0].price).toBe(102.1);
    expect(closeReasons(h)[0]).toMatch(/^TP hit: price 102\.1 ≥ TP 102/);
    expect(h.engine.status().position).toBeNull();
    expect(h.engine.status().realizedPnl).toBeCloseTo(2.1, 9);
  });

  it('fixed mode: a short hits its SL above the entry', async () => {
    h = await startHarness({ config: { tpPct: 2, slPct: 1 } });
    h.signal.value = -0.6;
    await h.tick();
    expect(h.engine.status().position?.side).toBe('short');
    h.hub.setPrice(100.5);
    await h.tick();
    expect(closes(h)).toHaveLength(0);
    h.hub.setPrice(101.01);
    await h.tick();
    expect(closeReasons(h)).toEqual([expect.stringMatching(/^SL hit: price 101\.01 ≥ SL 101/)]);
    expect(closes(h)[0].pnl).toBeCloseTo(-1.01, 9);
  });

  it('dynamic mode: SL = 2 × ATR14 and TP = 2 × the SL distance', async () => {
    h = await startHarness({ config: { tpSlMode: 'dynamic' }, candles: flatCandles(60, 100, 2) });
    h.signal.value = 0.6;
    await h.tick();
    const open = h.hub.orders.find((o) => o.action === 'open')!;
    expect(open.slPrice).toBeCloseTo(96, 6); // ATR 2 → SL distance 4
    expect(open.tpPrice).toBeCloseTo(108, 6); // TP distance 8
    expect(h.engine.status().position).toMatchObject({ tpPrice: expect.closeTo(108, 6), slPrice: expect.closeTo(96, 6) });
    h.hub.setPrice(107.9);
    await h.tick();
    expect(closes(h)).toHaveLength(0);
    h.hub.setPrice(108);
    await h.tick();
    expect(closeReasons(h)).toEqual([expect.stringMatching(/^TP hit/)]);
  });

  it('dynamic mode without enough candles for ATR falls back to a 3 % stop', async () => {
    h = await startHarness({ config: { tpSlMode: 'dynamic' }, candles: flatCandles(5, 100, 2) });
    h.signal.value = -0.6;
    await h.tick();
    const open = h.hub.orders.find((o) => o.action === 'open')!;
    expect(open.side).toBe('short');
    expect(open.slPrice).toBeCloseTo(103, 9);
    expect(open.tpPrice).toBeCloseTo(94, 9);
  });
});

describe('engine: session drawdown stop', () => {
  it('closes, logs why, pushes a final stopped status and ends the loop', async () => {
    h = await startHarness({ config: { maxSessionLossPct: 10 } });
    h.signal.value = 0.6;
    await h.tick(); // long 1 BTC @ 100 with 100 USDT
    h.hub.setPrice(95);
    await h.tick();
    expect(h.engine.state).toBe('running');
    h.hub.setPrice(89.7);
    await h.tick();
    await h.engine.done();
    expect(h.engine.state).toBe('stopped');
    expect(closes(h)).toHaveLength(1);
    expect(closeReasons(h)[0]).toBe('drawdown stop: loss 10.3% of capital ≥ 10% limit');
    expect(h.lines.some((l) => l.level === 'warn' && l.msg.startsWith('drawdown stop: loss 10.3% of capital ≥ 10% limit'))).toBe(true);
    await h.flush();
    const last = h.hub.statuses[h.hub.statuses.length - 1];
    expect(last.state).toBe('stopped');
    expect(last.position).toBeNull();
    expect(last.realizedPnl).toBeCloseTo(-10.3, 9);
    // No more ticks: the clock is never slept on again.
    expect(h.clock.pending).toBe(0);
  });

  it('counts realised PnL from earlier in the session', async () => {
    h = await startHarness({ config: { maxSessionLossPct: 10 }, realizedPnl: -6 });
    h.signal.value = 0.6;
    await h.tick();
    h.hub.setPrice(96.5); // -6 - 3.5 = -9.5: still running
    await h.tick();
    expect(h.engine.state).toBe('running');
    h.hub.setPrice(95.9); // -6 - 4.1 = -10.1
    await h.tick();
    await h.engine.done();
    expect(h.engine.state).toBe('stopped');
    expect(closeReasons(h)).toEqual(['drawdown stop: loss 10.1% of capital ≥ 10% limit']);
  });

  it('takes no decision while the hub does not answer: an old candle close neither stops the session nor closes', async () => {
    // The last candle closed at 250; the market (the hub's price) is at 100. A short from 100
    // valued at 250 would be a 150 % loss: the drawdown stop and the stop-loss would both fire.
    h = await startHarness({ config: { maxSessionLossPct: 50, slPct: 1 }, candles: flatCandles(30, 250, 1) });
    h.signal.value = -0.6;
    await h.tick();
    expect(h.engine.status().position?.side).toBe('short');
    await h.hub.down(); // the hub is killed
    const tick = h.tick();
    await waitUntil(
      () => h!.lines.some((l) => l.level === 'warn' && /^(hub unreachable|price endpoint unavailable)/.test(l.msg)),
      5_000,
      'the failed price request',
    );
    await h.hub.up(); // another hub takes over
    await tick;
    expect(closeReasons(h)).toEqual([]);
    expect(h.engine.state).toBe('running');
    await h.ticks(2);
    expect(h.engine.status()).toMatchObject({ price: 100, position: { side: 'short' } });
    expect(
      h.lines.filter((l) =>
        /^hub unreachable \(GET \/internal\/market\/price: (ECONNREFUSED|ECONNRESET)\): no price, no decisions/.test(l.msg),
      ),
    ).toHaveLength(1);
    expect(h.lines.filter((l) => l.msg === 'hub answers again')).toHaveLength(1);
  });
});

describe('engine: decisions', () => {
  it('never closes and opens the opposite side in one tick, and waits out the cooldown', async () => {
    h = await startHarness({ engine: { cooldownTicks: 2 } });
    h.signal.value = 0.6;
    await h.tick(); // tick 2: open long
    expect(opens(h)).toHaveLength(1);
    h.signal.value = -0.6;
    await h.tick(); // tick 3: close on reversal, no short in the same tick
    expect(closes(h)).toHaveLength(1);
    expect(closeReasons(h)[0]).toMatch(/^signal reversed/);
    expect(opens(h)).toHaveLength(1);
    expect(h.engine.status().position).toBeNull();
    await h.ticks(2); // ticks 4, 5: cooldown
    expect(opens(h)).toHaveLength(1);
    await h.tick(); // tick 6: short
    expect(opens(h)).toHaveLength(2);
    expect(opens(h)[1].side).toBe('short');
  });

  it('with no cooldown still re-enters only on the next tick', async () => {
    h = await startHarness({ engine: { cooldownTicks: 0 } });
    h.signal.value = 0.6;
    await h.tick();
    h.signal.value = -0.6;
    await h.tick();
    expect(opens(h)).toHaveLength(1);
    expect(closes(h)).toHaveLength(1);
    await h.tick();
    expect(opens(h).map((f) => f.side)).toEqual(['long', 'short']);
  });

  it('a TP/SL close is not followed by an opposite open in the same tick', async () => {
    h = await startHarness({ config: { tpPct: 1, slPct: 1 }, engine: { cooldownTicks: 0 } });
    h.signal.value = 0.6;
    await h.tick();
    h.signal.value = -0.9;
    h.hub.setPrice(98.9); // SL hit, and the signal says short
    await h.tick();
    expect(closeReasons(h)).toEqual([expect.stringMatching(/^SL hit/)]);
    expect(opens(h)).toHaveLength(1);
    await h.tick();
    expect(opens(h).map((f) => f.side)).toEqual(['long', 'short']);
  });

  it('holds below the threshold', async () => {
    h = await startHarness();
    h.signal.value = 0.29;
    await h.ticks(3);
    expect(h.hub.orders).toHaveLength(0);
    h.signal.value = -0.3;
    await h.tick();
    expect(opens(h).map((f) => f.side)).toEqual(['short']);
  });

  it('resumes the position handed over in /start without opening a new one', async () => {
    const position = openPosition({ side: 'long', qty: 1, entryPrice: 100, tpPrice: 110, slPrice: 90 });
    h = await startHarness({ position, realizedPnl: 3 });
    h.signal.value = 0.9;
    await h.ticks(3);
    expect(h.hub.orders).toHaveLength(0);
    expect(h.engine.status()).toMatchObject({ position: { tradeId: 't-resume' }, realizedPnl: 3 });
    expect(h.lines.some((l) => l.msg.startsWith('resumed long 1 BTCUSDT @ 100 (TP 110, SL 90)'))).toBe(true);
    h.hub.setPrice(110.5);
    await h.tick();
    expect(closes(h)).toEqual([expect.objectContaining({ tradeId: 't-resume', pnl: 10.5 })]);
  });

  it('opens nothing while market data is stale, and logs it once per episode', async () => {
    h = await startHarness();
    h.hub.setMarket({ stale: true });
    h.signal.value = 0.8;
    await h.ticks(5);
    expect(h.hub.orders).toHaveLength(0);
    const stale = () => h!.lines.filter((l) => l.msg.startsWith('market data stale')).length;
    expect(stale()).toBe(1);
    h.hub.setMarket({ stale: false });
    await h.tick();
    expect(h.lines.filter((l) => l.msg === 'market data fresh again')).toHaveLength(1);
    expect(opens(h)).toHaveLength(1);
    h.hub.setMarket({ stale: true });
    await h.ticks(3);
    expect(stale()).toBe(2);
    await h.flush();
    expect(h.hub.statuses[h.hub.statuses.length - 1].stale).toBe(true);
  });

  it('uses the last candle close when the hub has no price endpoint, saying so once', async () => {
    h = await startHarness({ prepare: (hub) => hub.setMarket({ priceEndpoint: false }), candles: flatCandles(30, 250, 1) });
    await h.ticks(4);
    expect(h.engine.status().price).toBe(250);
    expect(h.lines.filter((l) => l.msg.startsWith('price endpoint unavailable'))).toHaveLength(1);
  });

  it('writes no log line on quiet ticks but pushes a status every tick', async () => {
    h = await startHarness();
    h.signal.value = 0.6;
    await h.tick(); // opened
    h.signal.value = 0.1;
    await h.flush();
    const linesBefore = h.lines.length;
    const hubLogsBefore = h.hub.logs.length;
    const statusesBefore = h.hub.statuses.length;
    for (let i = 0; i < 20; i++) {
      h.hub.setPrice(100 + (i % 3) * 0.1);
      await h.tick();
      await h.flush();
    }
    expect(h.lines.length - linesBefore).toBe(0);
    expect(h.hub.logs.length - hubLogsBefore).toBe(0);
    expect(h.hub.statuses.length - statusesBefore).toBe(20);
    expect(h.evaluations()).toBeGreaterThanOrEqual(20);
  });

  it('counts a tick as late only when it begins more than one poll interval after it was due', async () => {
    h = await startHarness({ config: { pollSeconds: 10 } });
    const pollMs = 10_000;
    await h.ticks(2);
    h.clock.advance(pollMs); // the next tick begins exactly one interval late: on time by the rule
    await h.tick();
    await h.flush();
    expect(h.hub.statuses.at(-1)?.lateTicks).toBe(0);
    h.clock.advance(pollMs + 1);
    await h.tick();
    await h.tick();
    await h.flush();
    expect(h.hub.statuses.at(-1)?.lateTicks).toBe(1);
    expect(h.engine.status().lateTicks).toBe(1);
  });

  it('a stop with closePosition closes through the hub and reports the trade', async () => {
    h = await startHarness();
    h.signal.value = 0.6;
    await h.tick();
    h.hub.setPrice(103);
    const status = await h.engine.stop({ closePosition: true, reason: 'user asked', deadlineMs: 3_000 });
    expect(status.state).toBe('stopped');
    expect(status.position).toBeNull();
    expect(closeReasons(h)).toEqual(['stop: user asked']);
    expect(closes(h)[0].pnl).toBeCloseTo(3, 9);
  });
});
