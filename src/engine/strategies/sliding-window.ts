/**
 * The last `size` items of a series, oldest first, kept in a plain array (push the new one, shift
 * the oldest out), so the window math of indicators.ts and of `trading-signals` reads it like any
 * array. A full window allocates nothing more as it slides: the strategies' streams keep their
 * look-back windows (closes, returns, band widths, candles) in these.
 */
export class SlidingWindow<T> {
  /** Oldest first; at most `size` items. Read-only for callers. */
  readonly items: T[] = [];

  constructor(readonly size: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.size) this.items.shift();
  }

  get full(): boolean {
    return this.items.length === this.size;
  }

  /** The item `back` steps before the newest (0 = the newest). */
  back(back: number): T {
    return this.items[this.items.length - 1 - back];
  }
}
