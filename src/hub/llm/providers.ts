/**
 * The LLM providers Artic talks to, all through their OpenAI-compatible chat-completions
 * endpoint with the `openai` SDK, and what differs between them.
 *
 * | provider  | default base URL                                            | default model       | structured answers                 | token limit field       |
 * |-----------|-------------------------------------------------------------|---------------------|------------------------------------|-------------------------|
 * | openai    | https://api.openai.com/v1                                   | `gpt-4.1-mini`      | `json_schema` (strict)             | `max_completion_tokens` |
 * | gemini    | https://generativelanguage.googleapis.com/v1beta/openai/    | `gemini-2.5-flash`  | `json_schema` (strict)             | `max_tokens`            |
 * | deepseek  | https://api.deepseek.com                                    | `deepseek-chat`     | `json_object` + schema in prompt   | `max_tokens`            |
 * | anthropic | https://api.anthropic.com/v1/                               | `claude-sonnet-4-5` | schema in prompt only              | `max_tokens`            |
 *
 * Why the JSON modes differ:
 * - OpenAI and Gemini's compatibility layer accept `response_format: {type: 'json_schema'}`.
 * - DeepSeek documents only `{type: 'json_object'}` (and requires the word "json" plus an
 *   example in the prompt), so the schema goes into a system message instead.
 * - Anthropic's compatibility layer ignores `response_format` entirely, so nothing is sent and the
 *   schema goes into a system message; the answer is validated by the caller either way.
 *
 * Default models are a judgement call as of writing; each is overridable per deployment
 * (`defaultModels`) and per agent (`llmModel`).
 */

import { LLM_PROVIDERS, type LlmProvider } from '../agents/agent-input.js';
import type { SecretName } from '../secrets/secret-names.js';

// One list of providers for the whole hub: the agent settings validate against the same one.
export { LLM_PROVIDERS };
export type { LlmProvider };

export type JsonMode = 'json_schema' | 'json_object' | 'prompt_only';

export interface ProviderSpec {
  name: LlmProvider;
  /** Human label for messages ("OpenAI"). */
  label: string;
  /** Secret name resolved from the owner's secrets (agent override → user → env). */
  secretName: SecretName;
  defaultBaseUrl: string;
  defaultModel: string;
  jsonMode: JsonMode;
  /** Which request field carries the answer-length limit. */
  tokenField: 'max_tokens' | 'max_completion_tokens';
}

export const PROVIDER_SPECS: Readonly<Record<LlmProvider, ProviderSpec>> = Object.freeze({
  openai: {
    name: 'openai',
    label: 'OpenAI',
    secretName: 'OPENAI_API_KEY',
    defaultBaseUrl: 'https://api.openai.com/v1',
    defaultModel: 'gpt-4.1-mini',
    jsonMode: 'json_schema',
    // Newer OpenAI models (o-series, gpt-5) refuse `max_tokens`.
    tokenField: 'max_completion_tokens',
  },
  gemini: {
    name: 'gemini',
    label: 'Gemini',
    secretName: 'GEMINI_API_KEY',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai/',
    defaultModel: 'gemini-2.5-flash',
    jsonMode: 'json_schema',
    tokenField: 'max_tokens',
  },
  deepseek: {
    name: 'deepseek',
    label: 'DeepSeek',
    secretName: 'DEEPSEEK_API_KEY',
    defaultBaseUrl: 'https://api.deepseek.com',
    defaultModel: 'deepseek-chat',
    jsonMode: 'json_object',
    tokenField: 'max_tokens',
  },
  anthropic: {
    name: 'anthropic',
    label: 'Anthropic',
    secretName: 'ANTHROPIC_API_KEY',
    defaultBaseUrl: 'https://api.anthropic.com/v1/',
    defaultModel: 'claude-sonnet-4-5',
    jsonMode: 'prompt_only',
    tokenField: 'max_tokens',
  },
});

export function isLlmProvider(value: unknown): value is LlmProvider {
  return typeof value === 'string' && (LLM_PROVIDERS as readonly string[]).includes(value);
}

/**
 * OpenAI reasoning models (o1/o3/o4…, gpt-5…) accept only the default temperature; sending one
 * is a 400, so the gateway leaves it out for them.
 */
export function acceptsTemperature(provider: LlmProvider, model: string): boolean {
  if (provider !== 'openai') return true;
  return !/^(o\d|gpt-5)/i.test(model);
}

/**
 * Gemini 2.5+ models spend part of the token budget on hidden "thinking"; an answer budget
 * sized for the visible JSON would be cut short, so it is multiplied (as the original did).
 */
export function tokenBudget(provider: LlmProvider, model: string, requested: number): number {
  if (provider === 'gemini' && /gemini-(2\.5|[3-9])/i.test(model)) return requested * 8;
  return requested;
}
