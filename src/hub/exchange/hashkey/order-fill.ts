/**
 * From a placed order to the broker's `Fill`: poll the order until it reaches a final status, then
 * price it from the order (`GET /api/v1/spot/order`: executed quantity, cumulative quote) and its
 * executions (`GET /api/v1/account/trades`: per-execution price, commission, commission asset).
 */
import { ExchangeError, FillUnresolvedError, OrderNotFilledError, type Fill } from '../exchange.js';
import type { HashKeyClient } from './client.js';
import { FINAL_ORDER_STATUSES, type OrderState } from './responses.js';

export interface FillPolling {
  /** Status polls before giving up with `FillUnresolvedError`. */
  attempts: number;
  /** Pause between status polls, ms. */
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** Poll the order until it reaches a final status; a just-placed order may briefly be unknown. */
export async function waitForFinal(
  client: Pick<HashKeyClient, 'queryOrder'>,
  { attempts, pollMs, sleep }: FillPolling,
  clientOrderId: string,
  orderId: string | undefined,
): Promise<OrderState> {
  const ref = orderId ? { orderId } : { clientOrderId };
  let order: OrderState | undefined;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(pollMs);
    try {
      order = await client.queryOrder(ref);
    } catch (error) {
      const notYet = error instanceof ExchangeError && error.kind === 'order_not_found' && i < attempts - 1;
      if (notYet) continue;
      throw error;
    }
    if (FINAL_ORDER_STATUSES.has(order.status)) return order;
  }
  throw new FillUnresolvedError(order?.orderId ?? orderId ?? '?', clientOrderId, order?.status ?? 'unknown');
}

export async function resolveFill(client: Pick<HashKeyClient, 'accountTrades'>, order: OrderState): Promise<Fill> {
  if (order.executedQty <= 0) throw new OrderNotFilledError(order.orderId, order.clientOrderId, order.status);
  const trades = (await client.accountTrades({ symbol: order.symbol, clientOrderId: order.clientOrderId })).filter(
    (t) => t.orderId === order.orderId,
  );
  // Average price = cumulative quote / executed quantity (the documented definition).
  const quoteQuantity =
    order.cumulativeQuoteQty || trades.reduce((sum, t) => sum + t.price * t.qty, 0) || order.avgPrice * order.executedQty;
  const price = quoteQuantity > 0 ? quoteQuantity / order.executedQty : order.avgPrice;
  let fee = order.feeAmount;
  let feeAsset = order.feeCoin;
  if (trades.length > 0) {
    fee = trades.reduce((sum, t) => sum + t.commission, 0);
    feeAsset = [...new Set(trades.filter((t) => t.commission > 0).map((t) => t.commissionAsset))].join(',');
  }
  return {
    orderId: order.orderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    price,
    quantity: order.executedQty,
    quoteQuantity,
    fee,
    feeAsset: fee > 0 ? feeAsset : '',
    status: order.status === 'FILLED' ? 'filled' : 'partial',
    time: order.updateTime || order.transactTime,
  };
}
