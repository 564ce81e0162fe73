/**
 * HashKey Global behind the broker's `Exchange` interface.
 *
 * `marketOrder` checks the symbol's trading rules locally (rounding the quantity down to the step
 * size), places a MARKET order with `newClientOrderId` = the broker's idempotency key, waits for
 * the order to reach a final status, and resolves the fill from `GET /api/v1/spot/order`
 * (executed quantity, cumulative quote) and `GET /api/v1/account/trades` (per-execution price,
 * commission, commission asset). If the client order id was already used (`-1141`), or the place
 * call's outcome is unknown (timeout, `-1006`), it looks the order up by client order id instead of
 * placing another one: calling twice with the same key never trades twice.
 *
 * Failures say whether an order can exist: anything that goes wrong before the order request is
 * sent, and an answered refusal of it, is marked `nothingExecuted` (no order under that id); after
 * that the outcome is unknown and `findOrder` tells (the broker's reconcile). A place request
 * expires `recvWindow` after its signed timestamp, so "not found" is final once that has passed.
 *
 * The parts: symbol-cache.ts (exchangeInfo, cached) and order-fill.ts (final status and fill).
 */
import { ExchangeError, nothingExecuted, type Balance, type Exchange, type MarketOrderRequest, type OrderLookup } from '../exchange.js';
import type { HashKeyClient } from './client.js';
import { HashKeyApiError } from './errors.js';
import { validateOrder, type SymbolFilters } from './filters.js';
import { resolveFill, waitForFinal, type FillPolling } from './order-fill.js';
import { FINAL_ORDER_STATUSES, type OrderState, type SymbolInfo } from './responses.js';
import { createSymbolCache } from './symbol-cache.js';

export interface HashKeyExchangeOptions {
  /** How long `exchangeInfo` (symbols and filters) is reused, ms. Default 10 minutes. */
  symbolsTtlMs?: number;
  /** Order status polls before giving up with `FillUnresolvedError`. Default 10. */
  fillPollAttempts?: number;
  /** Pause between status polls, ms. Default 250. */
  fillPollIntervalMs?: number;
  /** Injected clock (ms) and sleep, for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The HashKey-specific extras on top of `Exchange`. */
export interface HashKeyExchange extends Exchange {
  /** The symbol's listing and trading rules (cached; see `symbolsTtlMs`). */
  symbolInfo(symbol: string): Promise<SymbolInfo>;
}

/** A MARKET order by quantity needs a last price to check the value rules. */
function needsReferencePrice(filters: SymbolFilters): boolean {
  return Boolean(
    filters.minNotional || filters.minAmount || filters.marketOrderMinAmount || filters.maxAmount || filters.marketOrderMaxAmount,
  );
}

async function findByClientId(client: HashKeyClient, clientOrderId: string): Promise<OrderState | undefined> {
  try {
    return await client.queryOrder({ clientOrderId });
  } catch (error) {
    if (error instanceof ExchangeError && error.kind === 'order_not_found') return undefined;
    throw error;
  }
}

/**
 * Place, or find the order an earlier attempt with this client order id placed.
 * Returns the exchange's order id when known.
 */
async function placeOnce(client: HashKeyClient, request: MarketOrderRequest, quantity: string): Promise<string | undefined> {
  try {
    const ack = await client.placeOrder({
      symbol: request.symbol,
      side: request.side,
      type: 'MARKET',
      quantity,
      clientOrderId: request.clientOrderId,
    });
    return ack.orderId || undefined;
  } catch (error) {
    if (!(error instanceof ExchangeError)) throw error;
    // Already placed under this key: resolve that order instead of placing another.
    if (error.kind === 'duplicate_order') return undefined;
    // Placed or not, we cannot tell (timeout, -1006): look before reporting failure.
    if (error.kind === 'unavailable') {
      if (await findByClientId(client, request.clientOrderId)) return undefined;
      throw error;
    }
    // A "duplicate request" may mean the first one was placed: unknown, like no answer.
    if (error instanceof HashKeyApiError && error.code === '-1024') throw error;
    // The exchange answered the order request with a refusal: no order exists.
    throw nothingExecuted(error);
  }
}

/** The quantity to send: the symbol's rules checked locally, rounded down to its step. */
async function checkedQuantity(client: HashKeyClient, info: SymbolInfo, request: MarketOrderRequest): Promise<string> {
  const referencePrice = needsReferencePrice(info.filters) ? await client.tickerPrice(request.symbol) : undefined;
  const { quantity } = validateOrder(
    { symbol: request.symbol, side: request.side, type: 'MARKET', quantity: request.quantity },
    info.filters,
    { referencePrice },
  );
  return quantity!;
}

export function createHashKeyExchange(client: HashKeyClient, options: HashKeyExchangeOptions = {}): HashKeyExchange {
  const symbolInfo = createSymbolCache(client, { ttlMs: options.symbolsTtlMs ?? 10 * 60_000, now: options.now ?? Date.now });
  const polling: FillPolling = {
    attempts: Math.max(1, options.fillPollAttempts ?? 10),
    pollMs: options.fillPollIntervalMs ?? 250,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };

  return {
    name: 'hashkey',
    // A signed request is refused `recvWindow` after its timestamp; 1 s of clock tolerance on top
    // (the exchange also refuses timestamps more than 1 s ahead of its clock).
    orderArrivalWindowMs: client.recvWindowMs + 1000,
    symbolInfo,

    async marketOrder(request) {
      let quantity: string;
      try {
        quantity = await checkedQuantity(client, await symbolInfo(request.symbol), request);
      } catch (error) {
        // Nothing was sent to the order endpoint yet.
        throw nothingExecuted(error);
      }
      const orderId = await placeOnce(client, request, quantity);
      const order = await waitForFinal(client, polling, request.clientOrderId, orderId);
      if (order.symbol !== request.symbol || order.side !== request.side) {
        const clash = new ExchangeError(
          'duplicate_order',
          `client order id ${request.clientOrderId} already names a ${order.side} ${order.symbol} order, not this ${request.side} ${request.symbol}`,
        );
        // That order is someone else's: ours was never placed.
        throw nothingExecuted(clash);
      }
      return resolveFill(client, order);
    },

    async findOrder(clientOrderId): Promise<OrderLookup> {
      const order = await findByClientId(client, clientOrderId);
      if (!order) return { state: 'absent' };
      if (!FINAL_ORDER_STATUSES.has(order.status)) return { state: 'working', status: order.status };
      if (order.executedQty <= 0) return { state: 'unfilled', status: order.status };
      return { state: 'filled', fill: await resolveFill(client, order) };
    },

    async balances(): Promise<Balance[]> {
      const list = await client.accountBalances();
      return list.map((b) => ({ asset: b.asset, free: b.free, locked: b.locked, total: b.total }));
    },

    async checkCredentials() {
      await client.accountBalances();
    },
  };
}
