/**
 * `POST /internal/agents/:id/llm` (agent token): one chat completion with the agent owner's
 * provider and key, through the hub's LLM gateway. The agent never sees the key.
 *
 * Statuses: 200 `LlmResponse`; 400 bad body (schema: ≤ 20 messages of ≤ 20 000 characters, no
 * unknown fields); 401/403 token (401 also for a deleted agent's token); 404 agent deleted
 * meanwhile; 409 `LlmNotConfigured` (no provider, unknown provider, or no key: the message names
 * the secret to set); 429 `LlmBudgetExhausted` (the owner's daily tokens on the server-wide key
 * are spent; `retryAfterSeconds` until the next UTC day, and the agent plans with its rules
 * meanwhile); 502 when the provider failed
 * (`LlmAuthFailed`, `LlmRateLimited` with `retryAfterSeconds` and a `Retry-After` header,
 * `LlmUnavailable`, `LlmRejected`). Messages are safe to show: they never hold the key.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AgentLlmLookup } from '../../hub/llm/agent-llm.js';
import {
  LlmAuthError,
  LlmBudgetExhaustedError,
  LlmError,
  LlmNotConfiguredError,
  LlmRateLimitedError,
  LlmRejectedError,
  LlmUnavailableError,
} from '../../hub/llm/errors.js';
import type { LlmGateway } from '../../hub/llm/gateway.js';
import type { LlmRequest } from '../../shared/wire.js';
import { agentGuard, type AgentAuth } from '../auth.js';

/** Limits of one LLM request from an agent. */
export const LLM_REQUEST_LIMITS = { maxMessages: 20, maxMessageChars: 20_000, maxTokens: 8192, maxBodyBytes: 512 * 1024 } as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;

export const llmRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['purpose', 'messages'],
  properties: {
    purpose: { type: 'string', enum: ['planner', 'supervisor'] },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: LLM_REQUEST_LIMITS.maxMessages,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['role', 'content'],
        properties: {
          role: { type: 'string', enum: ['system', 'user', 'assistant'] },
          content: { type: 'string', minLength: 1, maxLength: LLM_REQUEST_LIMITS.maxMessageChars },
        },
      },
    },
    // A JSON schema is itself an open object; its size is bounded by the body limit.
    jsonSchema: { type: 'object' },
    maxTokens: { type: 'integer', minimum: 1, maximum: LLM_REQUEST_LIMITS.maxTokens },
  },
} as const;

export const llmResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['provider', 'model', 'content', 'usage'],
  properties: {
    provider: { type: 'string' },
    model: { type: 'string' },
    content: { type: 'string' },
    usage: {
      type: 'object',
      additionalProperties: false,
      required: ['promptTokens', 'completionTokens'],
      properties: { promptTokens: { type: 'integer' }, completionTokens: { type: 'integer' } },
    },
  },
} as const;

const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, retryAfterSeconds: { type: 'integer' } },
} as const;

export interface InternalLlmRoutesOptions {
  agentAuth: AgentAuth;
  gateway: LlmGateway;
  /** Owner, provider and model of an agent (`createAgentLlmLookup`). */
  agentLlm: AgentLlmLookup;
}

/** Sends a gateway failure as `{error, message}` with its status. */
function sendLlmError(reply: FastifyReply, err: LlmError) {
  if (err instanceof LlmNotConfiguredError) return reply.code(409).send({ error: 'LlmNotConfigured', message: err.message });
  if (err instanceof LlmBudgetExhaustedError) {
    reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.code(429).send({ error: 'LlmBudgetExhausted', message: err.message, retryAfterSeconds: err.retryAfterSeconds });
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
    err instanceof LlmAuthError ? 'LlmAuthFailed' : err instanceof LlmRejectedError ? 'LlmRejected' : err instanceof LlmUnavailableError ? 'LlmUnavailable' : 'LlmFailed';
  return reply.code(502).send({ error: code, message: err.message });
}

export const internalLlmRoutes: FastifyPluginAsync<InternalLlmRoutesOptions> = async (app, { agentAuth, gateway, agentLlm }) => {
  app.addHook('onRequest', agentGuard(agentAuth));

  app.post<{ Params: { id: string }; Body: LlmRequest }>(
    '/internal/agents/:id/llm',
    {
      logLevel: 'warn',
      bodyLimit: LLM_REQUEST_LIMITS.maxBodyBytes,
      schema: {
        params: idParams,
        body: llmRequestSchema,
        response: { 200: llmResponseSchema, 404: errorSchema, 409: errorSchema, 429: errorSchema, 502: errorSchema },
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
