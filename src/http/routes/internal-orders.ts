/**
 * Agent → hub order and decision routes (see docs/architecture.md): the broker executes orders
 * (paper or live), the decision recorder stores supervisor/planner decisions. Bodies are validated
 * by schema (unknown fields refused). Errors leave as `{error, message}` with a snake_case `error`
 * code the agent branches on: 400 bad input, 404 unknown agent, 409 state or key conflicts
 * (`position_open`, `no_position`, `idempotency_conflict`, `agent_not_running`: an open for an
 * agent that is not running; `order_in_flight`: another live order of the agent is still out;
 * `quote_stale`: the price a live order would be sized on is too old), 422
 * `live_short_unsupported`, `live_quote_simulated` (simulated market data never sizes a live
 * order), 502 `live_order_failed` (the exchange failed in a way worth retrying with the same key),
 * 502 `live_order_pending` (the exchange has not confirmed the order yet: retry with the same
 * key), 422 `live_order_rejected` (the exchange refused for good: keys, balance, filters; do not
 * retry), 503 `price_unavailable`, 503 `agent_starting` (retry in a moment). `Retry-After`
 * (seconds) comes with the errors that name a wait. A close naming a `tradeId` the hub has closed
 * meanwhile (liquidated) is answered 200 with that close (`replayed: true`, `closeReason`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Broker } from '../../hub/broker/broker.js';
import type { DecisionRecorder } from '../../hub/broker/decisions.js';
import { BrokerError } from '../../hub/broker/errors.js';
import { AgentIdParams, DecisionPush, OrderRequest } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';

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

export const internalOrderRoutes: FastifyPluginAsync<InternalOrderRoutesOptions> = async (fastify, { agentAuth, broker, decisions }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', agentGuard(agentAuth));

  app.post(
    '/internal/agents/:id/orders',
    { bodyLimit: 16 * 1024, schema: { params: AgentIdParams, body: OrderRequest } },
    async (request, reply) => {
      try {
        return await broker.execute(request.params.id, request.body);
      } catch (error) {
        return sendBrokerError(error, reply);
      }
    },
  );

  app.post(
    '/internal/agents/:id/decisions',
    { bodyLimit: 64 * 1024, schema: { params: AgentIdParams, body: DecisionPush } },
    async (request, reply) => {
      try {
        return await decisions.record(request.params.id, request.body);
      } catch (error) {
        return sendBrokerError(error, reply);
      }
    },
  );
};
