/**
 * Live execution on a spot exchange through the `Exchange` interface. Spot has no leverage and no
 * shorts: a live long buys `margin / lastPrice` base units (1×) and its close sells what the
 * account received. The exchange's fill is the truth that gets stored; fees are converted to
 * quote currency so trades and PnL have one unit.
 *
 * Quantity held after a buy: when the fee is charged in the base asset (HashKey charges the asset
 * received), the account holds `executed − fee`; that is the position's `qty` and what the close
 * sells. Realised PnL then equals the quote actually received minus the quote spent:
 *   `(exit − entry) × closedQty − openFee − closeFee` with the open fee valued at the entry price.
 */
import type { Logger } from '../../logger.js';
import { ExchangeError, type Exchange, type Fill, type OrderSide } from '../exchange/exchange.js';
import { LiveOrderError } from './errors.js';

/** Quote assets recognised as a symbol suffix, longest first. */
const QUOTE_ASSETS = ['FDUSD', 'USDT', 'USDC', 'USD', 'BTC', 'ETH'] as const;

/** `BTCUSDT` → `{base: 'BTC', quote: 'USDT'}`; the whole symbol is the base when no suffix matches. */
export function splitSymbol(symbol: string): { base: string; quote: string } {
  for (const quote of QUOTE_ASSETS) {
    if (symbol.length > quote.length && symbol.endsWith(quote)) return { base: symbol.slice(0, -quote.length), quote };
  }
  return { base: symbol, quote: '' };
}

/** A fill in the broker's units. */
export interface LiveFill {
  orderId: string;
  /** Average execution price, quote per base. */
  price: number;
  /** Base quantity executed (before fees). */
  executedQty: number;
  /** Base quantity the account gained (buy) or gave up (sell), fees in base deducted. */
  heldQty: number;
  /** Fee in quote currency (a base-asset fee valued at the fill price). */
  fee: number;
}

/** Converts an exchange fill; a fee in an asset other than base or quote is logged and counted as 0. */
export function toLiveFill(fill: Fill, logger?: Logger): LiveFill {
  const { base, quote } = splitSymbol(fill.symbol);
  let fee = 0;
  let baseFee = 0;
  if (fill.fee > 0) {
    if (fill.feeAsset === quote) fee = fill.fee;
    else if (fill.feeAsset === base) {
      baseFee = fill.fee;
      fee = fill.fee * fill.price;
    } else {
      logger?.warn({ orderId: fill.orderId, feeAsset: fill.feeAsset, fee: fill.fee }, 'live fee in a third asset not converted to quote');
    }
  }
  const heldQty = fill.side === 'BUY' ? fill.quantity - baseFee : fill.quantity;
  return { orderId: fill.orderId, price: fill.price, executedQty: fill.quantity, heldQty, fee };
}

/**
 * Places one market order keyed by `clientOrderId` and converts its fill. Exchange failures become
 * `LiveOrderError` (with the exchange's kind); nothing else is caught.
 */
export async function placeLiveOrder(
  exchange: Exchange,
  order: { symbol: string; side: OrderSide; quantity: number; clientOrderId: string },
  logger?: Logger,
): Promise<LiveFill> {
  try {
    return toLiveFill(await exchange.marketOrder(order), logger);
  } catch (error) {
    if (error instanceof ExchangeError) {
      throw new LiveOrderError(error.kind, error.retryable, `${exchange.name} ${order.side} ${order.symbol} failed: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
