/** Every entity of the data model (docs/architecture.md, Data), in one list for the ORM config. */
import { AgentSchema } from './agent.js';
import { AlertPreferenceSchema, OutboundMessageSchema } from './alert.js';
import { BacktestSchema } from './backtest.js';
import { BotSessionSchema } from './bot-session.js';
import { ApiCreditSchema, CandleSchema } from './candle.js';
import { ChainOutboxSchema } from './chain-outbox.js';
import { DashboardCredentialSchema } from './dashboard-credential.js';
import { DecisionSchema } from './decision.js';
import { LlmAgentUsageSchema, LlmDailyUsageSchema } from './llm-usage.js';
import { LogEntrySchema } from './log-entry.js';
import { OrderIntentSchema } from './order-intent.js';
import { SecretSchema } from './secret.js';
import { TokenInfoSchema } from './token-info.js';
import { TradeSchema } from './trade.js';
import { UserSchema } from './user.js';

export * from './agent.js';
export * from './alert.js';
export * from './backtest.js';
export * from './bot-session.js';
export * from './candle.js';
export * from './chain-outbox.js';
export * from './dashboard-credential.js';
export * from './decision.js';
export * from './llm-usage.js';
export * from './log-entry.js';
export * from './order-intent.js';
export * from './secret.js';
export * from './token-info.js';
export * from './trade.js';
export * from './user.js';

export const ENTITIES = [
  UserSchema,
  AgentSchema,
  TradeSchema,
  LogEntrySchema,
  CandleSchema,
  ApiCreditSchema,
  SecretSchema,
  DecisionSchema,
  ChainOutboxSchema,
  BotSessionSchema,
  AlertPreferenceSchema,
  OutboundMessageSchema,
  LlmDailyUsageSchema,
  LlmAgentUsageSchema,
  OrderIntentSchema,
  TokenInfoSchema,
  BacktestSchema,
  DashboardCredentialSchema,
];
