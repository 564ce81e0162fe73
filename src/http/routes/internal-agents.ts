/**
 * Agent → hub push routes (DESIGN §3): status and logs. Bodies are validated by schema:
 * unknown fields, wrong types and oversized bodies are refused with 4xx `{error, message}`.
 * A status push is answered with a `StatusAck`; it names the pushed paper position's trade
 * when the hub no longer holds it open (it liquidated it), so the agent learns at once.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AgentDirectory } from '../../hub/agents/agent-directory.js';
import type { AgentIngest } from '../../hub/agents/ingest.js';
import type { OpenPositionBook } from '../../hub/broker/open-positions.js';
import { WIRE_LIMITS, type LogBatch, type StatusAck, type StatusPush } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

const positionSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['tradeId', 'side', 'qty', 'entryPrice', 'leverage', 'margin', 'liquidationPrice', 'tpPrice', 'slPrice', 'openedAt'],
  properties: {
    tradeId: { type: 'string', maxLength: 64 },
    side: { type: 'string', enum: ['long', 'short'] },
    qty: { type: 'number' },
    entryPrice: { type: 'number' },
    leverage: { type: 'number' },
    margin: { type: 'number' },
    liquidationPrice: { type: ['number', 'null'] },
    tpPrice: { type: ['number', 'null'] },
    slPrice: { type: ['number', 'null'] },
    openedAt: { type: 'string', maxLength: 40 },
  },
} as const;

export const statusPushSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'state', 'price', 'position', 'unrealizedPnl', 'realizedPnl', 'strategy', 'lastAction', 'stale', 'simulated', 'ts'],
  properties: {
    seq: { type: 'integer', minimum: 0 },
    state: { type: 'string', enum: ['idle', 'running', 'stopping', 'stopped'] },
    price: { type: ['number', 'null'] },
    position: positionSchema,
    unrealizedPnl: { type: 'number' },
    realizedPnl: { type: 'number' },
    strategy: { type: ['string', 'null'], maxLength: WIRE_LIMITS.maxStrategyNameChars },
    lastAction: { type: ['string', 'null'], maxLength: 1000 },
    stale: { type: 'boolean' },
    simulated: { type: 'boolean' },
    ts: { type: 'string', format: 'date-time' },
  },
} as const;

export const logBatchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      maxItems: WIRE_LIMITS.maxLogEntriesPerBatch,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['seq', 'level', 'message', 'ts'],
        properties: {
          seq: { type: 'integer', minimum: 1 },
          level: { type: 'string', enum: ['debug', 'info', 'warn', 'error'] },
          message: { type: 'string', maxLength: WIRE_LIMITS.maxLogMessageChars },
          ts: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;

export interface InternalAgentRoutesOptions {
  agentAuth: AgentAuth;
  directory: AgentDirectory;
  ingest: AgentIngest;
  /** Open paper positions; without it acks never name a closed trade. */
  openPositions?: Pick<OpenPositionBook, 'has'>;
}

export const internalAgentRoutes: FastifyPluginAsync<InternalAgentRoutesOptions> = async (app, { agentAuth, directory, ingest, openPositions }) => {
  app.addHook('onRequest', agentGuard(agentAuth));

  async function refOr404(id: string) {
    const ref = await directory.ref(id);
    if (!ref) {
      const error = new Error('This agent no longer exists') as Error & { statusCode: number; code: string };
      error.statusCode = 404;
      error.code = 'AgentNotFound';
      throw error;
    }
    return ref;
  }

  app.post<{ Params: { id: string }; Body: StatusPush }>(
    '/internal/agents/:id/status',
    { logLevel: 'warn', bodyLimit: 16 * 1024, schema: { params: idParams, body: statusPushSchema } },
    async (request, reply) => {
      const ref = await refOr404(request.params.id);
      ingest.status(request.params.id, ref, request.body);
      // Every open paper position is in the book (a paper position always has a liquidation price).
      const pushed = request.body.position;
      const closed = openPositions && pushed && pushed.liquidationPrice !== null && !openPositions.has(pushed.tradeId);
      const ack: StatusAck = { accepted: true, ...(closed ? { closedTradeId: pushed.tradeId } : {}) };
      return reply.code(202).send(ack);
    },
  );

  app.post<{ Params: { id: string }; Body: LogBatch }>(
    '/internal/agents/:id/logs',
    { logLevel: 'warn', bodyLimit: WIRE_LIMITS.maxBodyBytes, schema: { params: idParams, body: logBatchSchema } },
    async (request) => {
      const ref = await refOr404(request.params.id);
      return ingest.logs(request.params.id, ref, request.body.entries);
    },
  );
};
