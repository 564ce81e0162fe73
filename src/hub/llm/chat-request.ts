/**
 * Builds the chat-completions body for one provider from a wire `LlmRequest`: the JSON mode the
 * provider supports (see providers.ts), the right token-limit field, and a temperature suited to
 * the purpose (planner 0.3, supervisor 0.2, as in the original) where the model accepts one.
 */
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { LlmRequest } from '../../shared/wire.js';
import { acceptsTemperature, tokenBudget, type ProviderSpec } from './providers.js';

/** Answer-length limits by purpose when the request gives none (tokens). */
export const DEFAULT_MAX_TOKENS: Readonly<Record<LlmRequest['purpose'], number>> = { planner: 1024, supervisor: 400 };
const TEMPERATURE: Readonly<Record<LlmRequest['purpose'], number>> = { planner: 0.3, supervisor: 0.2 };

/** The instruction that carries the schema for providers without `json_schema` support. */
export function schemaInstruction(schema: Record<string, unknown>): string {
  return (
    'Answer with exactly one JSON object and nothing else (no prose, no code fences). ' +
    `It must follow this JSON schema:\n${JSON.stringify(schema)}`
  );
}

export function buildChatRequest(spec: ProviderSpec, model: string, req: LlmRequest): ChatCompletionCreateParamsNonStreaming {
  const messages: ChatCompletionMessageParam[] = req.messages.map((m) => ({ role: m.role, content: m.content }));
  const body: ChatCompletionCreateParamsNonStreaming = { model, messages };

  if (req.jsonSchema) {
    if (spec.jsonMode === 'json_schema') {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: `${req.purpose}_answer`, schema: req.jsonSchema, strict: true },
      };
    } else {
      const instruction = schemaInstruction(req.jsonSchema);
      const first = messages[0];
      if (first && first.role === 'system' && typeof first.content === 'string') {
        messages[0] = { role: 'system', content: `${first.content}\n\n${instruction}` };
      } else {
        messages.unshift({ role: 'system', content: instruction });
      }
      if (spec.jsonMode === 'json_object') body.response_format = { type: 'json_object' };
    }
  }

  const limit = tokenBudget(spec.name, model, req.maxTokens ?? DEFAULT_MAX_TOKENS[req.purpose]);
  if (spec.tokenField === 'max_completion_tokens') body.max_completion_tokens = limit;
  else body.max_tokens = limit;

  if (acceptsTemperature(spec.name, model)) body.temperature = TEMPERATURE[req.purpose];
  return body;
}
