import { describe, expect, it } from 'vitest';
import { closeKindOf, isLiquidation, statsByCloseKind, tpSlKind } from '../../../src/hub/analytics/close-reasons.js';
import { CAPITAL, HAND_TRADES } from './fixtures.js';

describe('closeKindOf: the reasons the code stores', () => {
  it.each([
    ['tp hit: price 105.2 ≥ tp 105', 'take-profit'],
    ['take_profit', 'take-profit'],
    ['TP', 'take-profit'],
    ['sl hit: price 97 ≤ sl 97.1', 'stop-loss'],
    ['trailing_sl', 'stop-loss'],
    ['stop loss', 'stop-loss'],
    ['signal reversed (-0.62 ≤ -0.5)', 'signal'],
    ['supervisor: momentum faded, taking profit', 'signal'],
    ['drawdown stop: loss 10.5% of capital ≥ 10% limit', 'drawdown stop'],
    ['liquidation', 'liquidation'],
    ['closed by owner', 'manual'],
    ['stop: stop requested', 'manual'],
    ['stop: deleted', 'manual'],
    ['force exit', 'force exit'],
    ['Force_Exit by owner', 'force exit'],
    ['forceexit', 'force exit'],
    ['market close', 'other'],
    ['target', 'other'],
    ['', 'other'],
    [null, 'other'],
  ] as const)('%s → %s', (reason, kind) => {
    expect(closeKindOf(reason)).toBe(kind);
  });

  it('keeps the alert rules: tp/sl and liquidation', () => {
    expect(tpSlKind('SL hit')).toBe('sl');
    expect(tpSlKind('stop: deleted')).toBeNull();
    expect(isLiquidation(' Liquidation ')).toBe(true);
    expect(isLiquidation('market close')).toBe(false);
  });
});

describe('statsByCloseKind', () => {
  it('gives the /profit figures per kind, in the fixed order, over the same capital', () => {
    const rows = statsByCloseKind(HAND_TRADES, CAPITAL);
    // one trade each: tp +50, sl −30, signal +80, drawdown −40, manual 0
    expect(rows.map((r) => [r.kind, r.stats.trades, r.stats.pnl])).toEqual([
      ['take-profit', 1, 50],
      ['stop-loss', 1, -30],
      ['signal', 1, 80],
      ['drawdown stop', 1, -40],
      ['manual', 1, 0],
    ]);
    // signal: ROI 80 / 1000 = 0.08; its share of the 0.06 total
    expect(rows[2]!.stats.roi).toBeCloseTo(0.08, 12);
  });
});
