/**
 * Backtest history from an upstream provider through the hub's candle cache: read the closed bars
 * already cached, fetch only the missing ones in pages (the provider's largest request, newest
 * first), write every page to the cache as it arrives.
 *
 * Every page passes two gates:
 * - the history pacer, shared by all loads: at most `AGENT_WINDOW_SHARE` of the limiter's calls per
 *   window and a few at a time, so the rest of every window stays free for running agents;
 * - the hub's limiter for the provider, at its lowest priority (`background`): queued agent calls
 *   start first; and with a `reserve` of `AGENT_CREDIT_SHARE` of the daily credits, so backtests
 *   stop where the agents' share of the Twelve Data budget begins. A page refused for credits is
 *   reported (`refusedUpTo`), not thrown: the caller keeps the newest part it could load.
 */
import PQueue from 'p-queue';
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import type { CandleLimiter } from '../market/candle-limiter.js';
import { CANDLE_PRIORITY } from '../market/candle-service.js';
import type { CandleStore } from '../market/candle-store.js';
import type { HubError } from '../errors.js';
import { BudgetExhaustedError, UnsupportedSymbolError } from '../market/errors.js';
import type { MarketDataProvider, ProviderName } from '../market/provider.js';
import type { MarketSymbol } from '../market/symbols.js';
import { BacktestSymbolError, HistoryBudgetError, HistoryUnavailableError, PROVIDER_LABEL } from './history-errors.js';

/** Share of the day's upstream credits backtests leave to running agents. */
export const AGENT_CREDIT_SHARE = 0.5;
/** Share of the limiter's calls per window backtests may take (about: see `createHistoryPacer`). */
export const AGENT_WINDOW_SHARE = 0.5;
/** Pages of one provider in flight at once, all loads together. */
const PAGE_CONCURRENCY = 4;

/** Runs backtest page requests at the pace left over for them; one per hub, shared by every load. */
export interface HistoryPacer {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * A pacer for pages behind `limiter`: at most `AGENT_WINDOW_SHARE` of its calls per window (strict
 * sliding window, as the limiter's), `PAGE_CONCURRENCY` at a time. Without a limiter (simulated),
 * tasks run at once.
 */
export function createHistoryPacer(limiter: CandleLimiter | undefined): HistoryPacer {
  if (!limiter) return { run: (task) => task() };
  const { intervalCap, windowMs } = limiter.stats();
  const windowed = Number.isFinite(intervalCap)
    ? { intervalCap: Math.max(1, Math.floor(intervalCap * AGENT_WINDOW_SHARE)), interval: windowMs, strict: true }
    : {};
  const queue = new PQueue({ concurrency: PAGE_CONCURRENCY, ...windowed });
  return { run: (task) => queue.add(task) };
}

/** What `loadRange` needs from the hub. */
export interface RangeSource {
  provider: MarketDataProvider;
  store: CandleStore;
  limiter?: CandleLimiter | undefined;
  pacer: HistoryPacer;
}

/** Open times `from..to` (inclusive, ms) of one upstream request. */
interface Page {
  from: number;
  to: number;
}

export interface LoadedRange {
  /** Closed bars by open time, cached or fetched (slots the provider has no bar for are absent). */
  bars: Map<number, Candle>;
  /** The newest open time of a page refused for credits; bars up to it are unknown. */
  refusedUpTo: number | undefined;
}

/** The missing slots of `start..end` (step `step`), as pages of at most `pageBars` bars, newest first. */
export function missingPages(have: ReadonlyMap<number, unknown>, start: number, end: number, step: number, pageBars: number): Page[] {
  const pages: Page[] = [];
  let t = end;
  while (t >= start) {
    if (have.has(t)) {
      t -= step;
      continue;
    }
    const to = t;
    let n = 0;
    while (t >= start && !have.has(t) && n < pageBars) {
      t -= step;
      n++;
    }
    pages.push({ from: t + step, to });
  }
  return pages;
}

/**
 * Every bar of `start..end` (open times, ms; closed bars only) the provider has: from the cache,
 * and the rest upstream. A page refused for credits is reported; any other failure throws a hub
 * error (`BacktestSymbolError` when the provider does not list the pair, else `HistoryUnavailableError`).
 */
export async function loadRange(
  source: RangeSource,
  symbol: MarketSymbol,
  interval: Interval,
  start: number,
  end: number,
): Promise<LoadedRange> {
  const { provider } = source;
  if (provider.simulated) {
    // Deterministic and cheap to compute again: straight from the provider, nothing cached.
    const candles = await provider.candlesBetween(symbol, interval, start, end);
    return { bars: new Map(candles.map((c) => [c.openTime, c])), refusedUpTo: undefined };
  }
  const step = INTERVAL_MS[interval];
  const bars = new Map<number, Candle>();
  for (const c of await source.store.getClosedRange(symbol.id, interval, start, end)) bars.set(c.openTime, c);
  const pages = missingPages(bars, start, end, step, provider.pageBars);
  const settled = await Promise.allSettled(pages.map((page) => fetchPage(source, symbol, interval, page)));
  let refusedUpTo: number | undefined;
  for (const [i, outcome] of settled.entries()) {
    if (outcome.status === 'fulfilled') {
      for (const c of outcome.value) bars.set(c.openTime, c);
    } else if (outcome.reason instanceof BudgetExhaustedError) {
      refusedUpTo = Math.max(refusedUpTo ?? -Infinity, pages[i]!.to);
    } else {
      throw historyError(provider.name, symbol, outcome.reason);
    }
  }
  return { bars, refusedUpTo };
}

/** One page upstream (paced, limited), written to the cache before it is returned. */
async function fetchPage(source: RangeSource, symbol: MarketSymbol, interval: Interval, page: Page): Promise<Candle[]> {
  const { provider } = source;
  const candles = await source.pacer.run(() =>
    limited(source.limiter, `history:${symbol.id}|${interval}|${page.from}`, () =>
      provider.candlesBetween(symbol, interval, page.from, page.to),
    ),
  );
  const inPage = candles.filter((c) => c.openTime >= page.from && c.openTime <= page.to);
  await source.store.upsert(symbol.id, interval, inPage);
  return inPage;
}

/** A provider's failure as the trader should read it. */
function historyError(provider: ProviderName, symbol: MarketSymbol, error: unknown): HubError {
  if (error instanceof BudgetExhaustedError) return new HistoryBudgetError();
  if (error instanceof UnsupportedSymbolError)
    return new BacktestSymbolError(symbol.id, `${PROVIDER_LABEL[provider]} does not list ${symbol.id}`);
  return new HistoryUnavailableError(provider, { cause: error });
}

/** `task` through the hub's limiter at the lowest priority, leaving the agents' share of the day's credits. */
function limited<T>(limiter: CandleLimiter | undefined, key: string, task: () => Promise<T>): Promise<T> {
  if (!limiter) return task();
  const daily = limiter.stats().dailyCredits;
  const reserve = Number.isFinite(daily) ? Math.ceil(daily * AGENT_CREDIT_SHARE) : 0;
  return limiter.run({ key, priority: CANDLE_PRIORITY.background, reserve }, task);
}

/**
 * The open time of the provider's first daily bar from the day of `fromMs` on, or null when it has
 * none up to `nowMs`: daily bars, oldest page first (a few requests cover years). Not cached. Day
 * precision is enough to tell the trader where the provider's history begins.
 */
export async function probeFirstBar(source: RangeSource, symbol: MarketSymbol, fromMs: number, nowMs: number): Promise<number | null> {
  const day = INTERVAL_MS['1d'];
  const pageSpan = Math.min(source.provider.pageBars, 100_000) * day;
  for (let from = Math.floor(fromMs / day) * day; from <= nowMs; from += pageSpan) {
    const to = Math.min(from + pageSpan - day, nowMs);
    let bars: Candle[];
    try {
      bars = await source.pacer.run(() =>
        limited(source.limiter, `history-probe:${symbol.id}|${from}`, () => source.provider.candlesBetween(symbol, '1d', from, to)),
      );
    } catch (error) {
      throw historyError(source.provider.name, symbol, error);
    }
    if (bars.length > 0) return bars[0]!.openTime;
  }
  return null;
}
