/**
 * Persistence of the daily upstream credit counter, so a hub restart does not reset the budget
 * and hub replicas on one database share it. `day` is a UTC date `YYYY-MM-DD`. The PostgreSQL
 * implementation is pg-credit-store.ts; the in-memory one here is for tests and keyless providers.
 */
export interface CreditStore {
  /** Credits already spent on `day` (0 when unknown). */
  load(day: string): Promise<number>;
  /** Record `n` more credits spent on `day` (atomic increment in a real store). */
  add(day: string, n: number): Promise<void>;
  /**
   * Takes `n` credits of `day` only if the day's total stays within `limit`, in one atomic step:
   * every hub sharing the store together never spends past `limit`. `used` is the day's total
   * after the grant, or as it stands when refused.
   */
  reserve(day: string, n: number, limit: number): Promise<CreditGrant>;
  /**
   * Takes one call slot of the wall-clock minute that starts at `minuteMs` (UTC ms) only if the
   * minute's calls stay within `limit`. Only stores shared between hubs implement it: there the
   * per-minute rate is one for all replicas; alone, the limiter's own window is enough.
   */
  reserveMinute?(minuteMs: number, limit: number): Promise<boolean>;
}

export interface CreditGrant {
  granted: boolean;
  /** The day's credits spent so far (by every hub sharing the store). */
  used: number;
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
    async reserve(day, n, limit) {
      const used = days.get(day) ?? 0;
      if (used + n > limit) return { granted: false, used };
      days.set(day, used + n);
      return { granted: true, used: used + n };
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
