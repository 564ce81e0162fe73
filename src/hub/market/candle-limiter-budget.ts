/**
 * The candle limiter's daily credit budget: credits spent per UTC day, kept in a `CreditStore` so
 * a restart keeps counting and hub replicas sharing the store (PostgreSQL) spend one budget. A
 * call's credits are RESERVED in the store before it goes upstream (`reserveCredits`: granted
 * only while the day's total, every replica's spend included, stays within the budget); `used`
 * here is this hub's latest view of that total, for the early refusal on enqueue and for stats.
 * The day boundary (UTC midnight) comes from the injected `now()`, not from the queue's timers.
 */
import { BudgetExhaustedError } from './errors.js';
import { utcDay, type CreditStore } from './credit-store.js';

export interface DailyBudget {
  readonly creditStore: CreditStore;
  /** Credits per UTC day (`Infinity` for keyless providers). */
  readonly dailyCredits: number;
  /** Clock for the day boundary, ms. */
  readonly now: () => number;
  /** The UTC day (`YYYY-MM-DD`) `used` counts; `''` until the first load. */
  day: string;
  /** Credits spent on `day`. */
  used: number;
  /** The load of a new day's persisted counter, while one is running. */
  loading: Promise<void> | undefined;
}

export function createDailyBudget(creditStore: CreditStore, dailyCredits: number, now: () => number): DailyBudget {
  return { creditStore, dailyCredits, now, day: '', used: 0, loading: undefined };
}

/** Make sure `budget` describes today, loading the persisted counter on a new day. */
export async function ensureToday(budget: DailyBudget): Promise<string> {
  const today = utcDay(budget.now());
  while (budget.day !== today) {
    if (!budget.loading) {
      budget.loading = budget.creditStore.load(today).then(
        (used) => {
          budget.day = today;
          budget.used = used;
          budget.loading = undefined;
        },
        (error: unknown) => {
          budget.loading = undefined;
          throw error;
        },
      );
    }
    await budget.loading;
  }
  return today;
}

/** Throws `BudgetExhaustedError` when `cost` more credits would exceed the budget of `day`. */
export function assertAffordable(budget: DailyBudget, day: string, cost: number): void {
  if (budget.used + cost > budget.dailyCredits) throw new BudgetExhaustedError(day, budget.used, budget.dailyCredits);
}

/**
 * Reserves `cost` credits of `day` in the store, leaving `reserve` of the budget unspent, or
 * throws `BudgetExhaustedError`. Refreshes `used` with the store's total (other replicas' spend).
 */
export async function reserveCredits(budget: DailyBudget, day: string, cost: number, reserve: number): Promise<void> {
  const grant = await budget.creditStore.reserve(day, cost, budget.dailyCredits - reserve);
  if (budget.day === day) budget.used = grant.used;
  if (!grant.granted) throw new BudgetExhaustedError(day, grant.used, budget.dailyCredits);
}

/** A daily 429 from upstream: the provider says `day` is spent, so count the rest of its budget as spent. */
export async function markDaySpent(budget: DailyBudget, day: string): Promise<void> {
  if (budget.day !== day) return;
  const used = await budget.creditStore.load(day);
  const missing = budget.dailyCredits - used;
  if (missing > 0 && Number.isFinite(missing)) await budget.creditStore.add(day, missing);
  budget.used = Math.max(used, budget.dailyCredits);
}
