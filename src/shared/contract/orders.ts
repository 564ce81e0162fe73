/**
 * Agent → hub orders and decisions: `POST /internal/agents/:id/orders` (OrderRequest →
 * OrderResult; the broker executes it, paper or live) and `POST /internal/agents/:id/decisions`
 * (DecisionPush: a supervisor's or planner's decision, stored and logged on chain). Unknown
 * fields are refused. The error codes the agent branches on are listed in
 * src/http/routes/internal-orders.ts. See docs/architecture.md.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PositionWire } from './control.js';
import { STRATEGY_NAMES } from '../strategy-names.js';
import { IdempotencyKey, Nullable, OneOf, PositionSide, Price, StrategyName, Uuid, WIRE_LIMITS } from './primitives.js';

/** One strategy's signal when the order was made: a library strategy and its value on the shared [-1, 1] scale. */
export const SignalValue = Type.Object(
  { name: OneOf(STRATEGY_NAMES), value: Type.Number({ minimum: -1, maximum: 1 }) },
  { additionalProperties: false },
);
export type SignalValue = Static<typeof SignalValue>;

export const OrderRequest = Type.Object(
  {
    /** Unique per intended order; a retry with the same key never fills twice. */
    idempotencyKey: IdempotencyKey,
    action: OneOf(['open', 'close'] as const),
    /** For `open` (required there). */
    side: Type.Optional(PositionSide),
    /** For `open`: margin to commit, quote currency; the hub applies leverage. */
    amountUsdt: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e9 })),
    tpPrice: Type.Optional(Nullable(Price)),
    slPrice: Type.Optional(Nullable(Price)),
    /** Why (signal, TP hit, SL hit, liquidation, supervisor, drawdown stop, stop). */
    reason: Type.String({ maxLength: 2000 }),
    /**
     * For `close`: the trade the agent means to close. When the hub has closed it already (it
     * liquidated the position), the answer is that close (`replayed: true`) instead of `no_position`.
     */
    tradeId: Type.Optional(Uuid),
    /** The idempotency key of the DecisionPush this order follows from (the session's PLAN). */
    decisionKey: Type.Optional(IdempotencyKey),
    /** Every strategy signal the agent read before this order (warming-up strategies left out). */
    signals: Type.Optional(Type.Array(SignalValue, { maxItems: WIRE_LIMITS.maxOrderSignals })),
  },
  {
    additionalProperties: false,
    // An open needs a side. JSON Schema's if/then, applied by the hub's Ajv; the static type
    // keeps `side` optional.
    if: Type.Object({ action: Type.Literal('open') }),
    then: { required: ['side'] },
  },
);
export type OrderRequest = Static<typeof OrderRequest>;

export const OrderResult = Type.Object({
  tradeId: Type.String(),
  status: OneOf(['open', 'closed'] as const),
  side: PositionSide,
  qty: Type.Number(),
  price: Type.Number(),
  fees: Type.Number(),
  /** For closes: realised PnL of this trade, net of fees. */
  pnl: Nullable(Type.Number()),
  realizedPnl: Type.Number(),
  position: Nullable(PositionWire),
  live: Type.Boolean(),
  /** True when this key had already been executed and the stored result is returned. */
  replayed: Type.Boolean(),
  /** For a closed trade: why it closed (`tp`, `sl`, `liquidation` or the agent's words). */
  closeReason: Type.Optional(Nullable(Type.String())),
});
export type OrderResult = Static<typeof OrderResult>;

export const DECISION_ACTIONS = ['KEEP', 'CLOSE', 'ADJUST_TP_SL', 'PLAN'] as const;

/** Who made a decision: the strategy fixed in the config, the LLM, or the deterministic rules planner. */
export const DECISION_SOURCES = ['config', 'llm', 'rules'] as const;
export type DecisionSource = (typeof DECISION_SOURCES)[number];

/** The LLM call behind a decision: the hub's provider and model, and the tokens it counted. */
export const DecisionLlm = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: WIRE_LIMITS.maxLlmProviderChars }),
    model: Type.String({ minLength: 1, maxLength: WIRE_LIMITS.maxLlmModelChars }),
    promptTokens: Type.Integer({ minimum: 0 }),
    completionTokens: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type DecisionLlm = Static<typeof DecisionLlm>;

export const DecisionPush = Type.Object(
  {
    idempotencyKey: IdempotencyKey,
    action: OneOf(DECISION_ACTIONS),
    strategy: Nullable(StrategyName),
    /** 0..1 */
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    reasoning: Type.String({ maxLength: 8000 }),
    tpPrice: Type.Optional(Nullable(Price)),
    slPrice: Type.Optional(Nullable(Price)),
    source: Type.Optional(OneOf(DECISION_SOURCES)),
    /** The LLM call this decision came from; absent when no LLM answered. */
    llm: Type.Optional(DecisionLlm),
  },
  { additionalProperties: false },
);
export type DecisionPush = Static<typeof DecisionPush>;
