/**
 * History for a backtest: the closed bars of one series over a period plus its warm-up, from the
 * provider the hub serves agents with (`MARKET_DATA`), so a backtest sees the bars an agent sees.
 *
 * - HashKey public klines and Twelve Data: through the hub's PostgreSQL candle cache: cached closed
 *   bars are reused, only the missing ones are fetched, in pages, each written to the cache
 *   (`history-fetch.ts`). Pages go at the lowest priority through the hub's limiter, paced to about
 *   half of its calls per window, and leave half of Twelve Data's daily credits to running agents;
 *   when those credits end, the most recent part of the period is kept and a note says so.
 * - Simulated: straight from the provider (deterministic, nothing cached), with a note.
 * - Unknown pair → `BacktestSymbolError`; a period the provider has no bars for (future, before its
 *   history, too short for the warm-up) → `HistoryRangeError` naming its first available date.
 *
 * Times are UTC ms; bars are aligned to the interval. The traded period of the answer starts at
 * `bars[warmupBars].openTime`, which is later than `fromMs` when a note says the period was cut.
 */
import { INTERVAL_MS, type Candle, type Interval } from '../../shared/market.js';
import { ValidationError } from '../errors.js';
import type { Market } from '../market/market-from-config.js';
import type { MarketDataProvider, ProviderName } from '../market/provider.js';
import { parseSymbol, UnknownSymbolError, type MarketSymbol } from '../market/symbols.js';
import { assembleHistory, type RangePlan } from './history-assemble.js';
import { BacktestSymbolError, formatUtc, HistoryRangeError, PROVIDER_LABEL } from './history-errors.js';
import { createHistoryPacer, loadRange, probeFirstBar, type RangeSource } from './history-fetch.js';

export interface HistoryRequest {
  /** Any accepted spelling (`BTCUSDT`, `btc/usdt`, `BTC`). */
  symbol: string;
  interval: Interval;
  /** First traded bar: the first opening at or after `fromMs`. */
  fromMs: number;
  /** Bars opening before `toMs` (exclusive) and already closed. */
  toMs: number;
  /** Bars wanted before `fromMs` for the indicators, and the fewest a run can start with. */
  warmup: { wanted: number; least: number };
}

export interface History {
  /** Closed bars, oldest first, contiguous: `warmupBars` warm-up bars, then the traded ones. */
  bars: Candle[];
  warmupBars: number;
  /** For the trader: what shaped the period (simulated data, a budget or history cut, filled gaps). */
  notes: string[];
  simulated: boolean;
  source: ProviderName;
}

/** What history needs from the hub (`createHistoryDeps` builds it from the hub's market). */
export interface HistoryDeps extends RangeSource {
  /** Clock, UTC ms: which bars have closed. */
  now: () => number;
}

/**
 * The hub's market as history deps: its provider, candle cache and limiter, and a page pacer of
 * their own. Build it once per hub (the pacer is shared by every load).
 */
export function createHistoryDeps(market: Pick<Market, 'service' | 'store' | 'limiter'>, now: () => number = Date.now): HistoryDeps {
  const { limiter } = market;
  return { provider: market.service.provider, store: market.store, limiter, pacer: createHistoryPacer(limiter), now };
}

export async function loadHistory(deps: HistoryDeps, req: HistoryRequest): Promise<History> {
  const { provider } = deps;
  const symbol = await resolveSymbol(provider, req.symbol);
  const plan = planRange(req, symbol, deps.now());
  const loaded = await loadRange(deps, symbol, req.interval, plan.start, plan.end);
  const assembled = assembleHistory(plan, loaded, provider.name);
  if (!assembled) throw await noHistoryError(deps, plan);
  const notes = provider.simulated ? ['simulated market data (not real prices)', ...assembled.notes] : assembled.notes;
  return { ...assembled, notes, simulated: provider.simulated, source: provider.name };
}

/** The pair as the hub reads it, if the provider serves it. */
async function resolveSymbol(provider: MarketDataProvider, input: string): Promise<MarketSymbol> {
  let symbol: MarketSymbol;
  try {
    symbol = parseSymbol(input);
  } catch (error) {
    if (error instanceof UnknownSymbolError) throw new BacktestSymbolError(input, 'it is not a pair Artic knows');
    throw error;
  }
  if (!(await provider.supports(symbol)))
    throw new BacktestSymbolError(input, `${PROVIDER_LABEL[provider.name]} does not serve ${symbol.id}`);
  return symbol;
}

/** The open times a request covers at `nowMs`. */
function planRange(req: HistoryRequest, symbol: MarketSymbol, nowMs: number): RangePlan {
  const { interval, warmup } = req;
  if (!(Number.isFinite(req.fromMs) && Number.isFinite(req.toMs) && req.fromMs < req.toMs)) {
    throw new ValidationError('period', 'The period must end after it starts.');
  }
  if (!(Number.isInteger(warmup.least) && Number.isInteger(warmup.wanted) && warmup.least >= 0 && warmup.least <= warmup.wanted)) {
    throw new RangeError(`warm-up: need integers 0 <= least <= wanted, got ${warmup.least} and ${warmup.wanted}`);
  }
  const step = INTERVAL_MS[interval];
  const firstTraded = Math.ceil(req.fromMs / step) * step;
  const lastClosed = Math.floor(nowMs / step) * step - step;
  const end = Math.min(Math.ceil(req.toMs / step) * step - step, lastClosed);
  if (end < firstTraded) {
    throw new HistoryRangeError(
      `The period has no closed ${interval} bar yet: it starts at ${formatUtc(firstTraded)}. Choose an earlier period.`,
      null,
    );
  }
  return { symbol, interval, step, firstTraded, start: firstTraded - warmup.wanted * step, end, warmup };
}

/** The error for a range without a single bar, naming where the provider's history begins. */
async function noHistoryError(deps: HistoryDeps, plan: RangePlan): Promise<HistoryRangeError> {
  const series = `${plan.symbol.id} ${plan.interval}`;
  const label = PROVIDER_LABEL[deps.provider.name];
  const earliest = await probeFirstBar(deps, plan.symbol, plan.start, deps.now());
  if (earliest === null) return new HistoryRangeError(`${label} has no ${series} bars for this period or after it.`, null);
  if (earliest > plan.start - INTERVAL_MS['1d']) {
    return new HistoryRangeError(
      `${label} has no ${series} bars before ${formatUtc(earliest)}. Choose a period that starts later (the strategies also need ${plan.warmup.least} bars before its start).`,
      earliest,
    );
  }
  return new HistoryRangeError(`${label} has no ${series} bars for this period.`, earliest);
}
