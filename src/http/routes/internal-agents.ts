/**
 * Agent → hub push routes (see docs/architecture.md): status and logs. Bodies are validated by
 * schema: unknown fields, wrong types and oversized bodies are refused with 4xx
 * `{error, message}`. A status push is answered with a `StatusAck`; it names the pushed position's
 * trade when the hub no longer holds it open (it liquidated a paper one, or closed one itself for
 * the owner: a force exit), so the agent learns at once.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AgentDirectory } from '../../hub/agents/agent-directory.js';
import type { AgentIngest } from '../../hub/agents/ingest.js';
import type { HubCloses } from '../../hub/broker/hub-closes.js';
import type { OpenPositionCheck } from '../../hub/broker/liquidation-watch.js';
import { AgentIdParams, LogBatch, LogBatchResult, StatusAck, StatusPush, WIRE_LIMITS } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';

export interface InternalAgentRoutesOptions {
  agentAuth: AgentAuth;
  directory: AgentDirectory;
  ingest: AgentIngest;
  /** Open paper positions; without it acks never name a liquidated trade. */
  openPositions?: Pick<OpenPositionCheck, 'has'> & Partial<Pick<OpenPositionCheck, 'confirmOpen'>>;
  /** Trades the hub closed itself (paper or live); without it acks name only paper trades gone from the book. */
  hubCloses?: Pick<HubCloses, 'has'>;
  /** Told how long each status push took, request in to reply out (ms; metrics). */
  observePush?: (ms: number) => void;
}

export const internalAgentRoutes: FastifyPluginAsync<InternalAgentRoutesOptions> = async (
  fastify,
  { agentAuth, directory, ingest, openPositions, hubCloses, observePush },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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

  app.post(
    '/internal/agents/:id/status',
    {
      logLevel: 'warn',
      bodyLimit: 16 * 1024,
      schema: { params: AgentIdParams, body: StatusPush, response: { 202: StatusAck } },
      ...(observePush ? { onResponse: async (_request: unknown, reply: { elapsedTime: number }) => observePush(reply.elapsedTime) } : {}),
    },
    async (request, reply) => {
      const ref = await refOr404(request.params.id);
      ingest.status(request.params.id, ref, request.body);
      // Every open paper position is in the book (a paper position always has a liquidation price).
      const pushed = request.body.position;
      // A trade missing from the book may have been opened through another replica a moment ago: its row says.
      const notInBook = pushed && openPositions && pushed.liquidationPrice !== null && !openPositions.has(pushed.tradeId);
      const closed =
        pushed &&
        ((notInBook && !(await openPositions.confirmOpen?.(request.params.id, pushed.tradeId))) || hubCloses?.has(pushed.tradeId));
      const ack: StatusAck = { accepted: true, ...(closed ? { closedTradeId: pushed.tradeId } : {}) };
      return reply.code(202).send(ack);
    },
  );

  app.post(
    '/internal/agents/:id/logs',
    {
      logLevel: 'warn',
      bodyLimit: WIRE_LIMITS.maxBodyBytes,
      schema: { params: AgentIdParams, body: LogBatch, response: { 200: LogBatchResult } },
    },
    async (request) => {
      const ref = await refOr404(request.params.id);
      return ingest.logs(request.params.id, ref, request.body.entries);
    },
  );
};
