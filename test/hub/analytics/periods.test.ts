import { describe, expect, it } from 'vitest';
import { groupRows, periodLabel, periodRows, periodsSince, periodStart } from '../../../src/hub/analytics/periods.js';
import { HAND_TRADES } from './fixtures.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);

describe('UTC buckets', () => {
  it('a day starts at 00:00 UTC, an ISO week on Monday, a month on the 1st', () => {
    // 2026-11-29 is a Sunday: its ISO week began on Monday 2026-11-23
    expect(periodStart('day', utc('2026-11-29T23:59:59'))).toBe(utc('2026-11-29T00:00:00'));
    expect(periodStart('week', utc('2026-11-29T23:59:59'))).toBe(utc('2026-11-23T00:00:00'));
    expect(periodStart('week', utc('2026-11-30T00:00:00'))).toBe(utc('2026-11-30T00:00:00'));
    expect(periodStart('month', utc('2026-11-30T12:00:00'))).toBe(utc('2026-11-01T00:00:00'));
    // the ISO week of 2027-01-01 (a Friday) began on Monday 2026-12-28
    expect(periodStart('week', utc('2027-01-01T08:00:00'))).toBe(utc('2026-12-28T00:00:00'));
    expect(periodLabel('week', utc('2026-12-28T00:00:00'))).toBe('2026-12-28');
    expect(periodLabel('month', utc('2026-12-01T00:00:00'))).toBe('2026-12');
  });

  it('the window of the last n buckets starts n − 1 buckets before the current one', () => {
    const now = utc('2026-11-30T12:00:00');
    expect(periodsSince('day', 7, now).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(periodsSince('week', 2, now).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(periodsSince('month', 3, utc('2027-01-15T00:00:00')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });
});

describe('periodRows on the hand-made list', () => {
  it('daily: newest first, empty days as zero rows', () => {
    const rows = periodRows('day', HAND_TRADES, 6, utc('2026-11-07T09:00:00'));
    // 11-07 none · 11-06 0 (breakeven) · 11-05 −40 · 11-04 +80 · 11-03 −30 · 11-02 +50
    expect(rows.map((r) => [r.label, r.pnl, r.trades, r.wins])).toEqual([
      ['2026-11-07', 0, 0, 0],
      ['2026-11-06', 0, 1, 0],
      ['2026-11-05', -40, 1, 0],
      ['2026-11-04', 80, 1, 1],
      ['2026-11-03', -30, 1, 0],
      ['2026-11-02', 50, 1, 1],
    ]);
    expect(rows[0]!.winRate).toBeNull();
    expect(rows[1]!.winRate).toBe(0);
  });

  it('weekly: Monday 11-02 to Sunday 11-08 holds all five (60 PnL, 2 of 5 won)', () => {
    const rows = periodRows('week', HAND_TRADES, 2, utc('2026-11-09T01:00:00'));
    expect(rows.map((r) => [r.label, r.pnl, r.trades])).toEqual([
      ['2026-11-09', 0, 0],
      ['2026-11-02', 60, 5],
    ]);
    expect(rows[1]!.winRate).toBeCloseTo(0.4, 12);
  });

  it('monthly: November holds all five; October is empty', () => {
    const rows = periodRows('month', HAND_TRADES, 2, utc('2026-11-30T00:00:00'));
    expect(rows.map((r) => [r.label, r.pnl, r.trades])).toEqual([
      ['2026-11', 60, 5],
      ['2026-10', 0, 0],
    ]);
  });
});

describe('groupRows', () => {
  it('by symbol and by strategy, best PnL first', () => {
    // BTCUSDT: +50 +80 +0 = 130 (3 trades, 2 wins); ETHUSDT: −30 −40 = −70 (2 trades)
    expect(groupRows(HAND_TRADES, (t) => t.symbol).map((r) => [r.key, r.pnl, r.trades, r.wins])).toEqual([
      ['BTCUSDT', 130, 3, 2],
      ['ETHUSDT', -70, 2, 0],
    ]);
    // breakout: +80 +0 = 80; momentum: +50 −30 = 20; none: −40
    expect(groupRows(HAND_TRADES, (t) => t.strategy ?? 'none').map((r) => [r.key, r.pnl, r.trades])).toEqual([
      ['breakout', 80, 2],
      ['momentum', 20, 2],
      ['none', -40, 1],
    ]);
  });
});
