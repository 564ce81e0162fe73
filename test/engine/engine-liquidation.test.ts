import { afterEach, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/shared/market.js';
import { closes, startHarness, type Harness } from './engine-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const closeOrders = (x: Harness) => x.hub.orders.filter((o) => o.action === 'close');
const bar = (openTime: number, low: number, high: number, close = 95): Candle => ({ openTime, open: close, high, low, close, volume: 1 });

/** A 10x long of 100 USDT at 100: qty 10, liquidation at 100 × (1 − 1/10 + 0.005) = 90.5. */
async function longAt10x(config: { tpPct?: number } = {}): Promise<{ h: Harness; tradeId: string; openedAt: number }> {
  const x = await startHarness({ config: { leverage: 10, ...config }, mmr: 0.005 });
  x.signal.value = 0.6;
  await x.tick();
  const position = x.engine.status().position!;
  expect(position).toMatchObject({ side: 'long', qty: 10, liquidationPrice: expect.closeTo(90.5, 9) });
  x.signal.value = 0;
  return { h: x, tradeId: position.tradeId, openedAt: Date.parse(position.openedAt) };
}

describe('engine: liquidation', () => {
  it('a bar opened since the position whose low reaches the liquidation price closes it with reason liquidation', async () => {
    const opened = await longAt10x();
    h = opened.h;
    // A bar from before the open reaching that low proves nothing about the position.
    h.hub.setCandles([bar(opened.openedAt - 60_000, 80, 101)]);
    h.hub.setPrice(95);
    await h.tick();
    expect(closeOrders(h)).toEqual([]);

    h.hub.setCandles([bar(opened.openedAt - 60_000, 80, 101), bar(opened.openedAt + 60_000, 90.2, 99)]);
    await h.tick();
    expect(closeOrders(h)).toEqual([
      expect.objectContaining({
        tradeId: opened.tradeId,
        reason: `liquidation: bar ${new Date(opened.openedAt + 60_000).toISOString()} low 90.2 ≤ liquidation 90.5`,
      }),
    ]);
    expect(closes(h)).toHaveLength(1);
    expect(closes(h)[0]!.price).toBeCloseTo(90.5, 9);
    const status = h.engine.status();
    expect(status.position).toBeNull();
    expect(status.realizedPnl).toBeCloseTo(-95, 9); // the margin less the maintenance part: capped
    expect(status.lastAction).toMatch(/^LIQUIDATED: liquidation: bar/);
    expect(h.lines.some((l) => l.level === 'warn' && l.msg.startsWith('liquidated long 10 BTCUSDT @ 90.5: PnL -95.00 USDT'))).toBe(true);
    // No re-entry in the same tick, and the cooldown runs as after any close.
    expect(h.hub.orders.filter((o) => o.action === 'open')).toHaveLength(1);
  });

  it('a price at or past the liquidation price closes a short the same way', async () => {
    h = await startHarness({ config: { leverage: 10 }, mmr: 0.005 });
    h.signal.value = -0.6;
    await h.tick(); // short at 100: liquidation at 109.5
    h.signal.value = 0;
    h.hub.setPrice(109.4);
    await h.tick();
    expect(closeOrders(h)).toEqual([]);
    h.hub.setPrice(112);
    await h.tick();
    expect(closeOrders(h).map((o) => o.reason)).toEqual(['liquidation: price 112 ≥ liquidation 109.5']);
    expect(closes(h)[0]!.price).toBeCloseTo(109.5, 9);
    expect(h.engine.status().realizedPnl).toBeCloseTo(-95, 9);
  });

  it('learns from the status answer that the hub liquidated the position, and takes its fill and PnL', async () => {
    const opened = await longAt10x();
    h = opened.h;
    await h.flush();
    h.hub.liquidate();
    h.hub.setPrice(95); // the price recovered: the engine sees nothing itself
    await h.tick(); // pushes a status naming the trade; the hub answers it is closed
    await h.flush();
    expect(closeOrders(h)).toEqual([]);
    await h.tick();
    expect(closeOrders(h)).toEqual([expect.objectContaining({ tradeId: opened.tradeId, reason: 'the hub closed the position' })]);
    expect(closes(h)).toHaveLength(1); // the hub's liquidation only: the answer was a replay
    const status = h.engine.status();
    expect(status.position).toBeNull();
    expect(status.realizedPnl).toBeCloseTo(-95, 9);
    expect(status.lastAction).toBe('LIQUIDATED: the hub closed the position');
  });

  it('a TP close after the hub liquidated gets the liquidation back, not a second close', async () => {
    const opened = await longAt10x({ tpPct: 2 });
    h = opened.h;
    // The open tick's status reached the hub before the liquidation: its answer cannot tell the agent.
    await h.flush();
    h.hub.liquidate();
    h.hub.setPrice(103);
    await h.tick();
    expect(closeOrders(h)).toEqual([expect.objectContaining({ tradeId: opened.tradeId, reason: expect.stringMatching(/^TP hit/) })]);
    expect(closes(h)).toHaveLength(1);
    expect(closes(h)[0]!.closeReason).toBe('liquidation');
    expect(h.engine.status()).toMatchObject({ position: null, realizedPnl: expect.closeTo(-95, 9) });
    expect(h.lines.some((l) => l.level === 'warn' && l.msg.startsWith('liquidated long'))).toBe(true);
  });

  it('a position without a liquidation price (live, spot) is never liquidated by the engine', async () => {
    h = await startHarness({ config: { leverage: 10 } });
    h.signal.value = 0.6;
    await h.tick();
    h.signal.value = 0;
    expect(h.engine.status().position!.liquidationPrice).toBeNull();
    h.hub.setPrice(50);
    await h.tick();
    expect(closeOrders(h)).toEqual([]);
  });
});
