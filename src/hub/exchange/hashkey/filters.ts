/**
 * Symbol trading rules from `GET /api/v1/exchangeInfo` (`symbols[].filters`) and the local check
 * that every order passes them BEFORE it is sent.
 *
 * Rules (decimal strings, quote units for prices and amounts, base units for quantities; a rule
 * of 0 or absent is disabled, following the exchange's convention):
 * - PRICE_FILTER: `minPrice`, `maxPrice`, `tickSize`.
 * - LOT_SIZE: `minQty`, `maxQty`, `stepSize`, `marketOrderMinQty`, `marketOrderMaxQty`.
 * - MIN_NOTIONAL: `minNotional` (price × quantity).
 * - TRADE_AMOUNT: `minAmount`, `maxAmount`, `marketOrderMinAmount`, `marketOrderMaxAmount`.
 * Quantities round DOWN to the step and prices DOWN to the tick, so we never spend more than asked.
 */
import { compareDecimal, floorToStep, isZero, toDecimalString } from './decimal.js';
import { OrderRejectedLocallyError } from './errors.js';

/** One symbol's trading rules, as exact decimal strings. Absent = not enforced. */
export interface SymbolFilters {
  symbol: string;
  tickSize?: string;
  minPrice?: string;
  maxPrice?: string;
  stepSize?: string;
  minQty?: string;
  maxQty?: string;
  marketOrderMinQty?: string;
  marketOrderMaxQty?: string;
  minNotional?: string;
  minAmount?: string;
  maxAmount?: string;
  marketOrderMinAmount?: string;
  marketOrderMaxAmount?: string;
  /** Smallest quote increment for a MARKET order's `amount` (the symbol's `quotePrecision`). */
  amountStep?: string;
}

/** The wire shape of one filter entry; values are decimal strings. */
export interface RawSymbolFilter {
  filterType: string;
  [key: string]: unknown;
}

/** An order before the rules are applied. Numbers or decimal strings. */
export interface OrderDraft {
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  /** Base quantity. Required for LIMIT; for MARKET give either this or `amount`. */
  quantity?: number | string;
  /** Quote amount to spend/receive; MARKET orders only. */
  amount?: number | string;
  /** Limit price in quote units; LIMIT only. */
  price?: number | string;
}

/** The order's values after rounding, as the decimal strings to send. */
export interface RoundedOrder {
  quantity?: string;
  amount?: string;
  price?: string;
}

/** Read the filters of one `exchangeInfo` symbol entry. Zero values become "not enforced". */
export function parseSymbolFilters(symbol: string, filters: readonly RawSymbolFilter[], quotePrecision?: string): SymbolFilters {
  const byType = new Map(filters.map((f) => [f.filterType, f]));
  const pick = (type: string, key: string): string | undefined => {
    const value = byType.get(type)?.[key];
    // A limit is a decimal string or a number; any other shape is nothing we can enforce.
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') return undefined;
    const text = String(value);
    try {
      return isZero(text) ? undefined : toDecimalString(text);
    } catch {
      return undefined; // not a plain non-negative decimal: do not enforce what we cannot read
    }
  };
  const out: SymbolFilters = {
    symbol,
    tickSize: pick('PRICE_FILTER', 'tickSize'),
    minPrice: pick('PRICE_FILTER', 'minPrice'),
    maxPrice: pick('PRICE_FILTER', 'maxPrice'),
    stepSize: pick('LOT_SIZE', 'stepSize'),
    minQty: pick('LOT_SIZE', 'minQty'),
    maxQty: pick('LOT_SIZE', 'maxQty'),
    marketOrderMinQty: pick('LOT_SIZE', 'marketOrderMinQty'),
    marketOrderMaxQty: pick('LOT_SIZE', 'marketOrderMaxQty'),
    minNotional: pick('MIN_NOTIONAL', 'minNotional') ?? pick('MIN_NOTIONAL', 'min_notional'),
    minAmount: pick('TRADE_AMOUNT', 'minAmount'),
    maxAmount: pick('TRADE_AMOUNT', 'maxAmount'),
    marketOrderMinAmount: pick('TRADE_AMOUNT', 'marketOrderMinAmount'),
    marketOrderMaxAmount: pick('TRADE_AMOUNT', 'marketOrderMaxAmount'),
    amountStep: quotePrecision && !isZero(quotePrecision) ? toDecimalString(quotePrecision) : undefined,
  };
  for (const key of Object.keys(out) as (keyof SymbolFilters)[]) {
    if (out[key] === undefined) delete out[key];
  }
  return out;
}

/** Round quantity down to `stepSize`, price down to `tickSize`, amount down to `amountStep`. */
export function roundToFilters(draft: OrderDraft, filters: SymbolFilters): RoundedOrder {
  const out: RoundedOrder = {};
  if (draft.quantity !== undefined) out.quantity = floorToStep(draft.quantity, filters.stepSize);
  if (draft.price !== undefined) out.price = floorToStep(draft.price, filters.tickSize);
  if (draft.amount !== undefined) out.amount = floorToStep(draft.amount, filters.amountStep);
  return out;
}

/**
 * Round the order to the symbol's steps, then check every rule.
 * @param referencePrice last price (quote units) used for the notional check of a MARKET order
 *   given by quantity; without it that check is skipped.
 * @throws OrderRejectedLocallyError naming the rule and the numbers when a rule fails.
 */
export function validateOrder(draft: OrderDraft, filters: SymbolFilters, options: { referencePrice?: number } = {}): RoundedOrder {
  const reject = (rule: string, message: string): never => {
    throw new OrderRejectedLocallyError(draft.symbol, rule, message);
  };
  const isMarket = draft.type === 'MARKET';
  if (isMarket) {
    if (draft.price !== undefined) reject('price', 'a MARKET order takes no price');
    if ((draft.quantity === undefined) === (draft.amount === undefined)) {
      reject('quantity', 'a MARKET order needs exactly one of quantity (base) or amount (quote)');
    }
  } else {
    if (draft.amount !== undefined) reject('amount', 'amount (quote) is for MARKET orders only');
    if (draft.quantity === undefined) reject('quantity', 'a LIMIT order needs a quantity');
    if (draft.price === undefined) reject('price', 'a LIMIT order needs a price');
  }

  let rounded: RoundedOrder;
  try {
    rounded = roundToFilters(draft, filters);
  } catch (error) {
    return reject('format', (error as Error).message);
  }

  const atLeast = (rule: string, what: string, value: string, min: string | undefined, raw?: number | string) => {
    if (min !== undefined && compareDecimal(value, min) < 0) {
      const shown = raw !== undefined && toDecimalString(raw) !== value ? `${toDecimalString(raw)} (rounded to ${value})` : value;
      reject(rule, `${what} ${shown} is below the minimum ${min}`);
    }
  };
  const atMost = (rule: string, what: string, value: string, max: string | undefined) => {
    if (max !== undefined && compareDecimal(value, max) > 0) reject(rule, `${what} ${value} is above the maximum ${max}`);
  };

  if (rounded.quantity !== undefined) {
    if (isZero(rounded.quantity)) {
      reject('stepSize', `quantity ${toDecimalString(draft.quantity!)} rounds down to 0 (step ${filters.stepSize ?? 'none'})`);
    }
    const min = isMarket ? (filters.marketOrderMinQty ?? filters.minQty) : filters.minQty;
    const max = isMarket ? (filters.marketOrderMaxQty ?? filters.maxQty) : filters.maxQty;
    atLeast(isMarket && filters.marketOrderMinQty ? 'marketOrderMinQty' : 'minQty', 'quantity', rounded.quantity, min, draft.quantity);
    atMost(isMarket && filters.marketOrderMaxQty ? 'marketOrderMaxQty' : 'maxQty', 'quantity', rounded.quantity, max);
  }
  if (rounded.price !== undefined) {
    if (isZero(rounded.price))
      reject('tickSize', `price ${toDecimalString(draft.price!)} rounds down to 0 (tick ${filters.tickSize ?? 'none'})`);
    atLeast('minPrice', 'price', rounded.price, filters.minPrice, draft.price);
    atMost('maxPrice', 'price', rounded.price, filters.maxPrice);
  }
  if (rounded.amount !== undefined && isZero(rounded.amount)) reject('amount', 'amount rounds down to 0');

  // Notional in quote units: exact for LIMIT and MARKET-by-amount, estimated from the reference
  // price for MARKET-by-quantity (float precision is fine for a minimum check).
  let notional: number | undefined;
  if (rounded.amount !== undefined) notional = Number(rounded.amount);
  else if (rounded.price !== undefined) notional = Number(rounded.price) * Number(rounded.quantity);
  else if (options.referencePrice !== undefined) notional = options.referencePrice * Number(rounded.quantity);
  if (notional !== undefined) {
    const value = toDecimalString(Number(notional.toPrecision(12)));
    const minAmount = isMarket ? (filters.marketOrderMinAmount ?? filters.minAmount) : filters.minAmount;
    const maxAmount = isMarket ? (filters.marketOrderMaxAmount ?? filters.maxAmount) : filters.maxAmount;
    atLeast('minNotional', 'order value (quote)', value, filters.minNotional);
    atLeast(isMarket && filters.marketOrderMinAmount ? 'marketOrderMinAmount' : 'minAmount', 'order value (quote)', value, minAmount);
    atMost(isMarket && filters.marketOrderMaxAmount ? 'marketOrderMaxAmount' : 'maxAmount', 'order value (quote)', value, maxAmount);
  }
  return rounded;
}
