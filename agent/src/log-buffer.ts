/**
 * The bounded buffer of log entries waiting to reach the hub. When it is full the oldest
 * `debug` entry goes first, then the oldest `info`, and only then the oldest `warn`/`error`;
 * every drop is counted so the hub can be told how many were lost.
 */
import type { LogEntryWire } from '../../src/shared/wire.js';

export interface LogBuffer {
  /** Entries waiting, oldest (lowest seq) first. */
  readonly size: number;
  /** Appends, dropping by the policy above when over capacity. */
  push(entry: LogEntryWire): void;
  /** Removes and returns up to `max` entries from the front, while `fits` accepts them. */
  take(max: number, fits?: (entry: LogEntryWire, taken: number) => boolean): LogEntryWire[];
  /** Puts entries taken earlier back at the front (after a failed send), then re-applies the bound. */
  putBack(entries: LogEntryWire[]): void;
  /** Drops not yet reported, and resets that count. */
  takeDropCount(): number;
  /** Drops since creation. */
  readonly totalDropped: number;
}

export function createLogBuffer(capacity: number): LogBuffer {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`log buffer capacity must be ≥ 1, got ${capacity}`);
  let entries: LogEntryWire[] = [];
  let unreported = 0;
  let total = 0;

  function dropOne(): void {
    for (const level of ['debug', 'info'] as const) {
      const i = entries.findIndex((e) => e.level === level);
      if (i >= 0) {
        entries.splice(i, 1);
        unreported++;
        total++;
        return;
      }
    }
    entries.shift();
    unreported++;
    total++;
  }

  function enforce(): void {
    while (entries.length > capacity) dropOne();
  }

  return {
    get size() {
      return entries.length;
    },
    get totalDropped() {
      return total;
    },
    push(entry) {
      entries.push(entry);
      enforce();
    },
    take(max, fits) {
      let n = 0;
      while (n < entries.length && n < max && (!fits || fits(entries[n], n))) n++;
      return entries.splice(0, n);
    },
    putBack(taken) {
      if (taken.length === 0) return;
      entries = [...taken, ...entries];
      enforce();
    },
    takeDropCount() {
      const n = unreported;
      unreported = 0;
      return n;
    },
  };
}
