/** The hub broker: paper and live execution of agent orders, and the decision recorder. */
export { createBroker, DEFAULT_LIVE_QUOTE_MAX_AGE_MS, type Broker, type BrokerDeps, type ExchangeFactory, type ReconcileReport } from './broker.js';
export { createDecisionRecorder, DECISION_ACTIONS, type DecisionRecorder, type DecisionRecorderDeps, type RecordedDecision } from './decisions.js';
export {
  AgentNotRunningError,
  AgentStartingError,
  BrokerAgentNotFoundError,
  BrokerError,
  IdempotencyKeyConflictError,
  InvalidOrderError,
  LiveOrderError,
  LiveOrderPendingError,
  LiveShortUnsupportedError,
  NoOpenPositionError,
  OrderInFlightError,
  PositionAlreadyOpenError,
  PriceUnavailableError,
  QuoteStaleError,
  SimulatedQuoteError,
} from './errors.js';
export { createHashKeyExchangeFactory, hashKeyPairVerifier, verifyHashKeyKeys, type HashKeyConnectionOptions, type HashKeyExchangeFactoryOptions, type KeyCheckResult } from './hashkey-keys.js';
export { createLiquidator, type Liquidator, type LiquidatorDeps } from './liquidator.js';
export { liveCloseFill, liveOpenFill, splitSymbol, toLiveFill, type LiveFill } from './live.js';
export { createOpenPositionBook, loadOpenPositions, type OpenPositionBook, type WatchedPosition } from './open-positions.js';
export {
  DEFAULT_MAINTENANCE_MARGIN_RATE,
  grossPnl,
  isBuy,
  liquidationPrice,
  paperClose,
  paperLiquidation,
  paperOpen,
  pnlPercentOfMargin,
  slippedPrice,
  takerFee,
  type PaperClose,
  type PaperCosts,
  type PaperFill,
  type PaperOpen,
} from './paper.js';
export { HASHKEY_API_KEY_SECRET, HASHKEY_SECRET_SECRET, type PriceSource, type Quote, type SecretResolver } from './ports.js';
export { tradeChainRecord, tradeDetailJson, type TradeDetailSource, type TradeOutboxRecord } from './trade-detail.js';
