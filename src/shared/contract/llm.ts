/**
 * Agent → hub: `POST /internal/agents/:id/llm` (LlmRequest → LlmResponse), one chat completion
 * with the agent owner's provider and key. The agent never sees the key. See
 * docs/architecture.md; the statuses are listed in src/http/routes/internal-llm.ts.
 */
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ErrorBody, OneOf } from './primitives.js';

/** Limits of one LLM request from an agent. */
export const LLM_REQUEST_LIMITS = { maxMessages: 20, maxMessageChars: 20_000, maxTokens: 8192, maxBodyBytes: 512 * 1024 } as const;

export const LlmMessage = Type.Object(
  {
    role: OneOf(['system', 'user', 'assistant'] as const),
    content: Type.String({ minLength: 1, maxLength: LLM_REQUEST_LIMITS.maxMessageChars }),
  },
  { additionalProperties: false },
);
export type LlmMessage = Static<typeof LlmMessage>;

export const LlmRequest = Type.Object(
  {
    purpose: OneOf(['planner', 'supervisor'] as const),
    messages: Type.Array(LlmMessage, { minItems: 1, maxItems: LLM_REQUEST_LIMITS.maxMessages }),
    /** JSON schema the answer must follow (response_format json_schema); an open object, bounded by the body limit. */
    jsonSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: LLM_REQUEST_LIMITS.maxTokens })),
  },
  { additionalProperties: false },
);
export type LlmRequest = Static<typeof LlmRequest>;

export const LlmResponse = Type.Object(
  {
    provider: Type.String(),
    model: Type.String(),
    content: Type.String(),
    usage: Type.Object({ promptTokens: Type.Integer(), completionTokens: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type LlmResponse = Static<typeof LlmResponse>;

/** An LLM error body; `retryAfterSeconds` with 429 and with a provider's rate limit. */
export const LlmErrorBody = Type.Object({ ...ErrorBody.properties, retryAfterSeconds: Type.Optional(Type.Integer()) });
export type LlmErrorBody = Static<typeof LlmErrorBody>;
