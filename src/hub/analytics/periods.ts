/**
 * Closed trades in calendar buckets (/daily, /weekly, /monthly) and in groups (/performance: by
 * symbol and by strategy). Pure: the caller passes `now`. Buckets are in UTC: a day starts at
 * 00:00 UTC, a week is an ISO week (Monday 00:00 UTC to the next Monday), a month starts on the
 * 1st; a trade belongs to the bucket its close falls in.
 */
import type { ClosedPnl } from './equity.js';
import { tally, type Tally } from './trade-stats.js';

export const PERIOD_UNITS = ['day', 'week', 'month'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

const DAY_MS = 86_400_000;

/** Epoch ms of the start of the `unit` holding `atMs`. */
export function periodStart(unit: PeriodUnit, atMs: number): number {
  const day = Math.floor(atMs / DAY_MS) * DAY_MS;
  if (unit === 'day') return day;
  if (unit === 'week') {
    const sinceMonday = (new Date(day).getUTCDay() + 6) % 7; // Sunday (0) is the 7th day
    return day - sinceMonday * DAY_MS;
  }
  const d = new Date(atMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start of the `unit` that is `k` buckets after the one starting at `startMs` (k < 0: before). */
export function shiftPeriod(unit: PeriodUnit, startMs: number, k: number): number {
  if (unit === 'day') return startMs + k * DAY_MS;
  if (unit === 'week') return startMs + k * 7 * DAY_MS;
  const d = new Date(startMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1);
}

/** `2026-11-30` for a day or for the week starting that Monday; `2026-11` for a month. */
export function periodLabel(unit: PeriodUnit, startMs: number): string {
  const iso = new Date(startMs).toISOString();
  return unit === 'month' ? iso.slice(0, 7) : iso.slice(0, 10);
}

export interface PeriodRow extends Tally {
  /** Epoch ms of the bucket's start. */
  start: number;
  label: string;
}

/**
 * The last `count` buckets up to and including the one holding `nowMs`, newest first; buckets
 * without a trade are rows of zeros (win rate null).
 */
export function periodRows(unit: PeriodUnit, trades: readonly ClosedPnl[], count: number, nowMs: number): PeriodRow[] {
  const current = periodStart(unit, nowMs);
  const buckets = new Map<number, ClosedPnl[]>();
  for (const t of trades) {
    const start = periodStart(unit, t.closedAt.getTime());
    buckets.set(start, [...(buckets.get(start) ?? []), t]);
  }
  return Array.from({ length: count }, (_, i) => {
    const start = shiftPeriod(unit, current, -i);
    return { start, label: periodLabel(unit, start), ...tally(buckets.get(start) ?? []) };
  });
}

/** The earliest instant the last `count` buckets up to `nowMs` cover (what to query from). */
export function periodsSince(unit: PeriodUnit, count: number, nowMs: number): Date {
  return new Date(shiftPeriod(unit, periodStart(unit, nowMs), -(count - 1)));
}

export interface GroupRow extends Tally {
  key: string;
}

/** The trades grouped by `keyOf`, best PnL first (equal PnL: by key). */
export function groupRows<T extends ClosedPnl>(trades: readonly T[], keyOf: (trade: T) => string): GroupRow[] {
  const groups = new Map<string, T[]>();
  for (const t of trades) groups.set(keyOf(t), [...(groups.get(keyOf(t)) ?? []), t]);
  return [...groups].map(([key, members]) => ({ key, ...tally(members) })).sort((a, b) => b.pnl - a.pnl || a.key.localeCompare(b.key));
}
