import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAINTENANCE_MARGIN_RATE,
  isBuy,
  liquidationPrice,
  paperClose,
  paperOpen,
  pnlPercentOfMargin,
  slippedPrice,
  takerFee,
} from '../../../src/hub/broker/paper.js';

describe('paper execution math', () => {
  it('moves the fill against the trader: buys higher, sells lower', () => {
    expect(isBuy('long', 'open')).toBe(true);
    expect(isBuy('long', 'close')).toBe(false);
    expect(isBuy('short', 'open')).toBe(false);
    expect(isBuy('short', 'close')).toBe(true);
    expect(slippedPrice(100, true, 10)).toBeCloseTo(100.1, 12);
    expect(slippedPrice(100, false, 10)).toBeCloseTo(99.9, 12);
    expect(slippedPrice(100, true, 0)).toBe(100);
  });

  it('charges the taker fee on notional', () => {
    // 2 BTC at 30 000 = 60 000 notional; 6 bps = 36
    expect(takerFee(2, 30_000, 6)).toBeCloseTo(36, 10);
  });

  it('places the liquidation price at 1/leverage minus maintenance from entry', () => {
    expect(DEFAULT_MAINTENANCE_MARGIN_RATE).toBe(0.005);
    // long 10x from 1000: 1000 × (1 − 0.1 + 0.005) = 905
    expect(liquidationPrice('long', 1000, 10)).toBeCloseTo(905, 10);
    // short 10x from 1000: 1000 × (1 + 0.1 − 0.005) = 1095
    expect(liquidationPrice('short', 1000, 10)).toBeCloseTo(1095, 10);
    // 20x with a 1 % maintenance rate: long 1000 × (1 − 0.05 + 0.01) = 960
    expect(liquidationPrice('long', 1000, 20, 0.01)).toBeCloseTo(960, 10);
  });

  it('long round trip: 100 USDT margin at 5x, 10 bps fee, 10 bps slippage, 100 → 110', () => {
    const costs = { feeBps: 10, slippageBps: 10 };
    const open = paperOpen({ side: 'long', lastPrice: 100, margin: 100, leverage: 5 }, costs);
    // buy at 100 × 1.001 = 100.1; qty = 100 × 5 / 100.1 = 4.995004995…; notional 500 → fee 0.5
    expect(open.price).toBeCloseTo(100.1, 10);
    expect(open.qty).toBeCloseTo(4.995004995005, 10);
    expect(open.qty * open.price).toBeCloseTo(500, 9);
    expect(open.fee).toBeCloseTo(0.5, 10);
    expect(open.margin).toBe(100);
    expect(open.leverage).toBe(5);
    // 100.1 × (1 − 0.2 + 0.005) = 80.5805
    expect(open.liquidationPrice).toBeCloseTo(80.5805, 9);

    const close = paperClose({ side: 'long', lastPrice: 110, entryPrice: open.price, qty: open.qty, openFee: open.fee }, costs);
    // sell at 110 × 0.999 = 109.89
    expect(close.price).toBeCloseTo(109.89, 10);
    // gross = (109.89 − 100.1) × 500/100.1 = 4895/100.1 = 48.9010989…
    expect(close.grossPnl).toBeCloseTo(48.9010989011, 8);
    // close fee = 109.89 × 500/100.1 × 0.001 = 54.945/100.1 = 0.5489010989…
    expect(close.fee).toBeCloseTo(0.5489010989, 9);
    // net = 48.9010989 − 0.5 − 0.5489011 = 47.8521978…
    expect(close.pnl).toBeCloseTo(47.8521978022, 8);
    expect(pnlPercentOfMargin(close.pnl, 100)).toBeCloseTo(47.8521978022, 8);
  });

  it('short round trip: 50 USDT at 10x, 6 bps fee, 2 bps slippage, 200 → 190', () => {
    const costs = { feeBps: 6, slippageBps: 2 };
    const open = paperOpen({ side: 'short', lastPrice: 200, margin: 50, leverage: 10 }, costs);
    // sell at 200 × 0.9998 = 199.96; qty = 500 / 199.96; fee = 500 × 0.0006 = 0.3
    expect(open.price).toBeCloseTo(199.96, 10);
    expect(open.qty).toBeCloseTo(2.50050010002, 10);
    expect(open.fee).toBeCloseTo(0.3, 10);
    // 199.96 × (1 + 0.1 − 0.005) = 218.9562
    expect(open.liquidationPrice).toBeCloseTo(218.9562, 9);

    const close = paperClose({ side: 'short', lastPrice: 190, entryPrice: open.price, qty: open.qty, openFee: open.fee }, costs);
    // buy back at 190 × 1.0002 = 190.038
    expect(close.price).toBeCloseTo(190.038, 10);
    // gross = (199.96 − 190.038) × 500/199.96 = 4961/199.96 = 24.8099620…
    expect(close.grossPnl).toBeCloseTo(24.8099619924, 8);
    // fee = 190.038 × 500/199.96 × 0.0006 = 57.0114/199.96 = 0.2851140…
    expect(close.fee).toBeCloseTo(0.2851140228, 9);
    // net = 24.8099620 − 0.3 − 0.2851140 = 24.2248480
    expect(close.pnl).toBeCloseTo(24.2248479696, 8);
    // 24.2248… / 50 margin = +48.45 %
    expect(pnlPercentOfMargin(close.pnl, 50)).toBeCloseTo(48.4496959392, 7);
  });

  it('a losing short pays both fees on top of the move', () => {
    const costs = { feeBps: 10, slippageBps: 0 };
    const open = paperOpen({ side: 'short', lastPrice: 100, margin: 100, leverage: 2 }, costs);
    // qty 2, fee 0.2; close at 105: gross −10, fee 2 × 105 × 0.001 = 0.21 → −10.41
    const close = paperClose({ side: 'short', lastPrice: 105, entryPrice: open.price, qty: open.qty, openFee: open.fee }, costs);
    expect(open.qty).toBeCloseTo(2, 12);
    expect(close.grossPnl).toBeCloseTo(-10, 10);
    expect(close.pnl).toBeCloseTo(-10.41, 10);
  });
});
