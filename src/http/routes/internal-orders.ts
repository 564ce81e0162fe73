/**
 * Agent → hub order and decision routes (DESIGN §3): the broker executes orders (paper or live),
 * the decision recorder stores supervisor/planner decisions. Bodies are validated by schema
 * (unknown fields refused). Errors leave as `{error, message}` with a snake_case `error` code the
 * agent branches on: 400 bad input, 404 unknown agent, 409 state or key conflicts
 * (`position_open`, `no_position`, `idempotency_conflict`, `agent_not_running`: an open for an
 * agent that is not running; `order_in_flight`: another live order of the agent is still out;
 * `quote_stale`: the price a live order would be sized on is too old), 422
 * `live_short_unsupported`, `live_quote_simulated` (simulated market data never sizes a live
 * order), 502 `live_order_failed` (the exchange failed in a way worth retrying with the same key),
 * 502 `live_order_pending` (the exchange has not confirmed the order yet: retry with the same key),
 * 422 `live_order_rejected` (the exchange refused for good: keys, balance, filters; do not retry),
 * 503 `price_unavailable`, 503 `agent_starting` (retry in a moment). `Retry-After` (seconds) comes
 * with the errors that name a wait. A close naming a `tradeId` the hub has closed meanwhile
 * (liquidated) is answered 200 with that close (`replayed: true`, `closeReason`).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Broker } from '../../hub/broker/broker.js';
import { DECISION_ACTIONS, type DecisionRecorder } from '../../hub/broker/decisions.js';
import { BrokerError } from '../../hub/broker/errors.js';
import { WIRE_LIMITS, type DecisionPush, type OrderRequest } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

const idempotencyKey = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' } as const;
const priceOrNull = { type: ['number', 'null'], exclusiveMinimum: 0 } as const;

export const orderRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['idempotencyKey', 'action', 'reason'],
  properties: {
    idempotencyKey,
    action: { type: 'string', enum: ['open', 'close'] },
    side: { type: 'string', enum: ['long', 'short'] },
    amountUsdt: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
    tpPrice: priceOrNull,
    slPrice: priceOrNull,
    reason: { type: 'string', maxLength: 2000 },
    tradeId: { type: 'string', format: 'uuid' },
  },
  if: { properties: { action: { const: 'open' } } },
  then: { required: ['side'] },
} as const;

export const decisionPushSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['idempotencyKey', 'action', 'strategy', 'confidence', 'reasoning'],
  properties: {
    idempotencyKey,
    action: { type: 'string', enum: [...DECISION_ACTIONS] },
    strategy: { type: ['string', 'null'], maxLength: WIRE_LIMITS.maxStrategyNameChars },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string', maxLength: 8000 },
    tpPrice: priceOrNull,
    slPrice: priceOrNull,
  },
} as const;

export interface InternalOrderRoutesOptions {
  agentAuth: AgentAuth;
  broker: Broker;
  decisions: DecisionRecorder;
}

function sendBrokerError(error: unknown, reply: FastifyReply) {
  if (error instanceof BrokerError) {
    if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
    return reply.code(error.httpStatus).send({ error: error.code, message: error.userMessage });
  }
  throw error;
}

export const internalOrderRoutes: FastifyPluginAsync<InternalOrderRoutesOptions> = async (app, { agentAuth, broker, decisions }) => {
  app.addHook('onRequest', agentGuard(agentAuth));

  app.post<{ Params: { id: string }; Body: OrderRequest }>(
    '/internal/agents/:id/orders',
    { bodyLimit: 16 * 1024, schema: { params: idParams, body: orderRequestSchema } },
    async (request, reply) => {
      try {
        return await broker.execute(request.params.id, request.body);
      } catch (error) {
        return sendBrokerError(error, reply);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: DecisionPush }>(
    '/internal/agents/:id/decisions',
    { bodyLimit: 64 * 1024, schema: { params: idParams, body: decisionPushSchema } },
    async (request, reply) => {
      try {
        return await decisions.record(request.params.id, request.body);
      } catch (error) {
        return sendBrokerError(error, reply);
      }
    },
  );
};
