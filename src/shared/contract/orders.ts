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
import { IdempotencyKey, Nullable, OneOf, PositionSide, Price, StrategyName, Uuid } from './primitives.js';

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
  },
  { additionalProperties: false },
);
export type DecisionPush = Static<typeof DecisionPush>;
