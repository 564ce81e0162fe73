/**
 * `POST /internal/agents/:id/llm` (agent token): one chat completion with the agent owner's
 * provider and key, through the hub's LLM gateway. The agent never sees the key.
 *
 * Statuses: 200 `LlmResponse`; 400 bad body (schema: ≤ 20 messages of ≤ 20 000 characters, no
 * unknown fields); 401/403 token (401 also for a deleted agent's token); 404 agent deleted
 * meanwhile; 409 `LlmNotConfigured` (no provider, unknown provider, or no key: the message names
 * the secret to set); 429 `LlmBudgetExhausted` (the owner's daily tokens on the server-wide key
 * are spent; `retryAfterSeconds` until the next UTC day, and the agent plans with its rules
 * meanwhile), and 429 `LlmAgentBudgetExhausted` alike when the agent's own daily USD budget is reached; 502 when the provider failed
 * (`LlmAuthFailed`, `LlmRateLimited` with `retryAfterSeconds` and a `Retry-After` header,
 * `LlmUnavailable`, `LlmRejected`). Messages are safe to show: they never hold the key.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AgentLlmLookup } from '../../hub/llm/agent-llm.js';
import {
  LlmAgentBudgetExhaustedError,
  LlmAuthError,
  LlmBudgetExhaustedError,
  LlmError,
  LlmNotConfiguredError,
  LlmRateLimitedError,
  LlmRejectedError,
  LlmUnavailableError,
} from '../../hub/llm/errors.js';
import type { LlmGateway } from '../../hub/llm/gateway.js';
import { AgentIdParams, LLM_REQUEST_LIMITS, LlmErrorBody, LlmRequest, LlmResponse } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';

export interface InternalLlmRoutesOptions {
  agentAuth: AgentAuth;
  gateway: LlmGateway;
  /** Owner, provider and model of an agent (`createAgentLlmLookup`). */
  agentLlm: AgentLlmLookup;
}

/** Sends a gateway failure as `{error, message}` with its status. */
function sendLlmError(reply: FastifyReply, err: LlmError) {
  if (err instanceof LlmNotConfiguredError) return reply.code(409).send({ error: 'LlmNotConfigured', message: err.message });
  if (err instanceof LlmBudgetExhaustedError || err instanceof LlmAgentBudgetExhaustedError) {
    reply.header('retry-after', String(err.retryAfterSeconds));
    const error = err instanceof LlmBudgetExhaustedError ? 'LlmBudgetExhausted' : 'LlmAgentBudgetExhausted';
    return reply.code(429).send({ error, message: err.message, retryAfterSeconds: err.retryAfterSeconds });
  }
  if (err instanceof LlmRateLimitedError) {
    if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.code(502).send({
      error: 'LlmRateLimited',
      message: err.message,
      ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
    });
  }
  const code =
    err instanceof LlmAuthError
      ? 'LlmAuthFailed'
      : err instanceof LlmRejectedError
        ? 'LlmRejected'
        : err instanceof LlmUnavailableError
          ? 'LlmUnavailable'
          : 'LlmFailed';
  return reply.code(502).send({ error: code, message: err.message });
}

export const internalLlmRoutes: FastifyPluginAsync<InternalLlmRoutesOptions> = async (fastify, { agentAuth, gateway, agentLlm }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', agentGuard(agentAuth));

  app.post(
    '/internal/agents/:id/llm',
    {
      logLevel: 'warn',
      bodyLimit: LLM_REQUEST_LIMITS.maxBodyBytes,
      schema: {
        params: AgentIdParams,
        body: LlmRequest,
        response: { 200: LlmResponse, 404: LlmErrorBody, 409: LlmErrorBody, 429: LlmErrorBody, 502: LlmErrorBody },
      },
    },
    async (request, reply) => {
      const agentId = request.params.id;
      const settings = await agentLlm(agentId);
      if (!settings) return reply.code(404).send({ error: 'AgentNotFound', message: 'This agent no longer exists' });
      try {
        return await gateway.complete(agentId, settings.ownerId, settings.provider, settings.model, request.body);
      } catch (err) {
        if (err instanceof LlmError) {
          request.log.warn({ agentId, error: err.name, reason: err.message }, 'llm request failed');
          return sendLlmError(reply, err);
        }
        throw err;
      }
    },
  );
};
