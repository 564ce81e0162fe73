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
import type { Trade } from '../../db/entities/index.js';
import type { Logger } from '../../logger.js';
import { LIQUIDATION_REASON } from '../../shared/liquidation.js';
import type { ExchangeError, Fill, OrderSide } from '../exchange/exchange.js';
import { LiveOrderError } from './errors.js';
import type { CloseFill, OpenFill } from './fills.js';
import { grossPnl } from './paper.js';

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

/** The position a live buy opened: spot, 1×, no liquidation; the margin is the quote spent. */
export function liveOpenFill(executed: LiveFill): OpenFill {
  return {
    price: executed.price,
    qty: executed.heldQty,
    fee: executed.fee,
    margin: executed.price * executed.executedQty,
    leverage: 1,
    liquidationPrice: null,
    orderIds: [executed.orderId],
    marketPrice: executed.price,
  };
}

/**
 * The close of live `trade` by the exchange's sell: realised PnL net of the open and the close
 * fee. Spot is never liquidated: an agent's "liquidation" reason is a plain market close here.
 */
export function liveCloseFill(trade: Pick<Trade, 'side' | 'entryPrice' | 'fees'>, executed: LiveFill, reason: string): CloseFill {
  const pnl = grossPnl(trade.side, trade.entryPrice, executed.price, executed.executedQty) - trade.fees - executed.fee;
  const stored = reason === LIQUIDATION_REASON ? 'market close' : reason;
  return {
    price: executed.price,
    qty: executed.executedQty,
    fee: executed.fee,
    pnl,
    orderIds: [executed.orderId],
    marketPrice: executed.price,
    reason: stored,
  };
}

/** An exchange failure in the broker's terms (the exchange's kind; retryable or not). */
export function liveOrderError(exchange: string, order: { side: OrderSide; symbol: string }, error: ExchangeError): LiveOrderError {
  return new LiveOrderError(error.kind, error.retryable, `${exchange} ${order.side} ${order.symbol} failed: ${error.message}`, {
    cause: error,
  });
}
