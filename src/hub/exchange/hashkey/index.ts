/** HashKey Global: REST client, trading-rule checks, and the broker-facing `Exchange`. */
export {
  createHashKeyClient,
  HASHKEY_INTERVALS,
  HASHKEY_PRODUCTION_URL,
  HASHKEY_SANDBOX_URL,
  MAX_KLINES,
  type AccountTradesQuery,
  type HashKeyClient,
  type HashKeyClientOptions,
  type OrderRef,
  type PlaceOrderRequest,
} from './client.js';
export { createHashKeyExchange, type HashKeyExchange, type HashKeyExchangeOptions } from './exchange.js';
export {
  HashKeyApiError,
  HashKeyCredentialsMissingError,
  HashKeyNetworkError,
  kindForCode,
  OrderRejectedLocallyError,
  UnknownSymbolError,
} from './errors.js';
export {
  parseSymbolFilters,
  roundToFilters,
  validateOrder,
  type OrderDraft,
  type RoundedOrder,
  type SymbolFilters,
} from './filters.js';
export {
  FINAL_ORDER_STATUSES,
  HashKeyResponseShapeError,
  type AccountTrade,
  type AssetBalance,
  type ExchangeInfo,
  type HashKeyOrderStatus,
  type OrderAck,
  type OrderState,
  type SymbolInfo,
} from './responses.js';
export { encodeParams, signParams, signTotalParams, type Params, type SignedParams } from './signing.js';
