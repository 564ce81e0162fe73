/**
 * Persistence of the daily upstream credit counter, so a hub restart does not reset the budget.
 * `day` is a UTC date `YYYY-MM-DD`. The PostgreSQL implementation lives with the DB layer; the
 * in-memory one here is for tests and the embedded default without a database.
 */
export interface CreditStore {
  /** Credits already spent on `day` (0 when unknown). */
  load(day: string): Promise<number>;
  /** Record `n` more credits spent on `day` (atomic increment in a real store). */
  add(day: string, n: number): Promise<void>;
}

export interface MemoryCreditStore extends CreditStore {
  /** Copy of every day's counter, for assertions. */
  snapshot(): Record<string, number>;
}

export function createMemoryCreditStore(initial: Record<string, number> = {}): MemoryCreditStore {
  const days = new Map<string, number>(Object.entries(initial));
  return {
    async load(day) {
      return days.get(day) ?? 0;
    },
    async add(day, n) {
      days.set(day, (days.get(day) ?? 0) + n);
    },
    snapshot() {
      return Object.fromEntries(days);
    },
  };
}

/** UTC calendar day (`YYYY-MM-DD`) of a timestamp in ms. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
