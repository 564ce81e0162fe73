/**
 * The LLM gateway: agents ask the hub for chat completions and the hub calls the owner's
 * provider with the owner's key, so keys never enter an agent's container.
 *
 * Per call: resolve provider and model (agent setting → deployment default → built-in default,
 * see providers.ts) → the agent's own daily budget in USD admits the call or refuses it
 * (`LlmAgentBudgetExhaustedError`, nothing sent upstream) → resolve the key from the owner's secrets (agent override → user → env) →
 * on a server-wide (env) key, the owner's daily budget admits the call or refuses it
 * (`LlmBudgetExhaustedError`, nothing sent upstream) → one SDK client per (provider, base URL,
 * key hash) → chat completion with the provider's JSON mode → record the tokens on the agent row
 * and its day with their cost at the model's price (prices.ts), and on the owner's day when
 * metered → `LlmResponse`.
 *
 * Retries are the gateway's own, bounded by `maxAttempts` (default 2 = one retry):
 * - 5xx, timeouts and connection failures are retried after `retryDelayMs`;
 * - a 429 is retried only when `retry-after` is at most `maxRateLimitWaitSeconds`; otherwise the
 *   `LlmRateLimitedError` goes back to the agent with the wait, so it can back off itself rather
 *   than hold an HTTP request open for a minute;
 * - a blank answer to a JSON request (DeepSeek's JSON mode is documented to do this) is asked once
 *   more;
 * - 401/403/4xx are never retried.
 * Every attempt has `timeoutMs`, and the whole call `totalTimeoutMs` (default 55 s, under the
 * agent's own 60 s wait for `/llm`): a retry only gets the time that is left.
 */
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { LlmRequest, LlmResponse } from '../../shared/wire.js';
import type { Orm } from '../../db/orm.js';
import type { Logger } from '../../logger.js';
import { classifyLlmError, isTransient } from './classify-error.js';
import { buildChatRequest } from './chat-request.js';
import { createClientCache } from './client-cache.js';
import type { LlmBudget } from './budget.js';
import { utcDay } from './budget.js';
import {
  LlmAgentBudgetExhaustedError,
  LlmBudgetExhaustedError,
  LlmError,
  LlmNotConfiguredError,
  LlmRateLimitedError,
  LlmUnavailableError,
} from './errors.js';
import { DEFAULT_LLM_PRICES, llmCostUsd, type LlmPriceTable } from './prices.js';
import { LLM_PROVIDERS, PROVIDER_SPECS, isLlmProvider, type LlmProvider, type ProviderSpec } from './providers.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';
import { recordTokenUsage, tokenCount, type TokenUsage } from './usage.js';

export interface LlmGatewayDeps {
  orm: Orm;
  secrets: Pick<SecretResolver, 'lookup'>;
  /** Rations the server-wide keys per user and day, and each agent's own USD budget; without it neither is metered. */
  budget?: LlmBudget;
  /** USD per million tokens (config.llm.prices); default: the built-in list prices. */
  prices?: LlmPriceTable;
  /** Wall clock (ms) that dates the usage rows; default Date.now. */
  now?: () => number;
  /** Per-provider base URLs (config.llm.*BaseUrl); missing ones use the provider's default. */
  baseUrls?: Partial<Record<LlmProvider, string>>;
  /** Per-provider default models; missing ones use the built-in defaults (providers.ts). */
  defaultModels?: Partial<Record<LlmProvider, string>>;
  /** fetch used by the SDK (tests, proxies). */
  fetch?: typeof fetch;
  logger: Logger;
  /** Per attempt (ms). Default 40 000. */
  timeoutMs?: number;
  /** Whole call, retries and waits included (ms). Default 55 000. */
  totalTimeoutMs?: number;
  /** Attempts per call, including the first. Default 2. */
  maxAttempts?: number;
  /** Pause before retrying a 5xx/timeout (ms). Default 500. */
  retryDelayMs?: number;
  /** Longest `retry-after` the gateway waits out itself (s). Default 2. */
  maxRateLimitWaitSeconds?: number;
  /** Told the tokens of every answered attempt and their cost in USD (0 when the model has no price), per provider (metrics). */
  onUsage?: (provider: LlmProvider, usage: TokenUsage, costUsd: number) => void;
}

export interface LlmGateway {
  /**
   * One chat completion for `agentId` (owned by `ownerId`) with `provider` and `model`
   * (null model = default). Throws `LlmNotConfiguredError` (no/unknown provider, no key),
   * `LlmBudgetExhaustedError`, `LlmAgentBudgetExhaustedError`, `LlmAuthError`, `LlmRateLimitedError`, `LlmUnavailableError` or
   * `LlmRejectedError`.
   */
  complete(agentId: string, ownerId: string, provider: string | null, model: string | null, req: LlmRequest): Promise<LlmResponse>;
  /** The model used when an agent of `provider` sets none. */
  defaultModel(provider: LlmProvider): string;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The gateway's timing and retry settings, defaults applied (see `LlmGatewayDeps`). */
interface RetryPolicy {
  timeoutMs: number;
  totalTimeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  maxRateLimitWait: number;
}

/** One `complete` call: what it sends, with which client and key, and the tokens it used so far. */
interface Call {
  agentId: string;
  ownerId: string;
  provider: LlmProvider;
  spec: ProviderSpec;
  model: string;
  req: LlmRequest;
  apiKey: string;
  metered: boolean;
  client: OpenAI;
  body: ChatCompletionCreateParamsNonStreaming;
  log: Logger;
  total: TokenUsage;
  /** Time left for the call; below a second another attempt is not worth starting. */
  remaining: () => number;
}

function checkProvider(provider: string | null): LlmProvider {
  if (!provider) {
    throw new LlmNotConfiguredError(
      'none',
      `This agent has no LLM provider. Choose one of ${LLM_PROVIDERS.join(', ')} in the agent's settings.`,
    );
  }
  const normalized = provider.trim().toLowerCase();
  if (!isLlmProvider(normalized)) {
    throw new LlmNotConfiguredError(
      provider,
      `Unknown LLM provider "${provider.slice(0, 32)}". Choose one of ${LLM_PROVIDERS.join(', ')}.`,
    );
  }
  return normalized;
}

/** The key for this call, and whether its tokens count against the owner's daily budget. */
async function resolveKey(
  deps: LlmGatewayDeps,
  ownerId: string,
  agentId: string,
  provider: LlmProvider,
): Promise<{ apiKey: string; metered: boolean }> {
  const { label, secretName } = PROVIDER_SPECS[provider];
  const found = await deps.secrets.lookup(ownerId, secretName, agentId);
  const apiKey = found?.value.trim();
  if (!found || !apiKey) {
    throw new LlmNotConfiguredError(
      provider,
      `No ${label} API key. Set the secret ${secretName} (for you, or for this agent).`,
      secretName,
    );
  }
  if (found.source !== 'server' || !deps.budget) return { apiKey, metered: false };
  const admission = await deps.budget.admit(ownerId, agentId);
  if (admission.spent) {
    const { usedTokens, limitTokens, resetsAt, retryAfterSeconds } = admission.spent;
    throw new LlmBudgetExhaustedError(provider, usedTokens, limitTokens, resetsAt, retryAfterSeconds, secretName);
  }
  return { apiKey, metered: admission.metered };
}

/** Refuses the call when the agent's own daily budget in USD is reached. */
async function admitAgent(deps: LlmGatewayDeps, ownerId: string, agentId: string, provider: LlmProvider): Promise<void> {
  const spent = await deps.budget?.admitAgent(ownerId, agentId);
  if (spent) throw new LlmAgentBudgetExhaustedError(provider, spent.spentUsd, spent.budgetUsd, spent.resetsAt, spent.retryAfterSeconds);
}

async function record(deps: LlmGatewayDeps, call: Call, usage: TokenUsage) {
  try {
    const prices = deps.prices ?? DEFAULT_LLM_PRICES;
    const costUsd = llmCostUsd(prices, call.provider, call.model, usage.promptTokens, usage.completionTokens);
    deps.onUsage?.(call.provider, usage, costUsd ?? 0);
    const day = utcDay((deps.now ?? Date.now)());
    await recordTokenUsage(deps.orm, call.agentId, call.ownerId, usage, { costUsd, day });
    if (call.metered) await deps.budget!.spend(call.ownerId, usage.promptTokens + usage.completionTokens);
  } catch (err) {
    call.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'llm: could not record token usage');
  }
}

/** One attempt: the answer, `again` (a blank answer to a JSON request, asked once more) or the failure. */
async function attemptOnce(
  deps: LlmGatewayDeps,
  policy: RetryPolicy,
  call: Call,
  attempt: number,
): Promise<{ answer: LlmResponse } | 'again' | { failure: LlmError }> {
  const { provider, spec, model, log } = call;
  const started = Date.now();
  const attemptTimeout = Math.max(1, Math.min(policy.timeoutMs, call.remaining()));
  try {
    const completion = await call.client.chat.completions.create(call.body, { timeout: attemptTimeout });
    const usage = {
      promptTokens: tokenCount(completion.usage?.prompt_tokens),
      completionTokens: tokenCount(completion.usage?.completion_tokens),
    };
    call.total.promptTokens += usage.promptTokens;
    call.total.completionTokens += usage.completionTokens;
    await record(deps, call, usage);
    const choice = completion.choices?.[0];
    if (!choice?.message) return { failure: new LlmUnavailableError(provider, `${spec.label} answered without a message`) };
    const content = choice.message.content ?? '';
    if (call.req.jsonSchema && content.trim() === '' && attempt < policy.maxAttempts && call.remaining() >= 1_000) {
      log.warn({ attempt, finishReason: choice.finish_reason }, 'llm: blank answer to a JSON request; asking again');
      return 'again';
    }
    log.debug({ attempt, ms: Date.now() - started, ...usage, finishReason: choice.finish_reason }, 'llm: answered');
    return {
      answer: {
        provider,
        model: typeof completion.model === 'string' && completion.model ? completion.model : model,
        content,
        usage: call.total,
      },
    };
  } catch (err) {
    return { failure: classifyLlmError(err, provider, call.apiKey, attemptTimeout) };
  }
}

/** Attempts until an answer, or a failure not worth retrying (see the module comment). */
async function runAttempts(deps: LlmGatewayDeps, policy: RetryPolicy, call: Call): Promise<LlmResponse> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(deps, policy, call, attempt);
    if (outcome === 'again') continue;
    if ('answer' in outcome) return outcome.answer;
    const { failure } = outcome;
    const waitMs = failure instanceof LlmRateLimitedError ? failure.retryAfterMs : undefined;
    const pause = waitMs ?? policy.retryDelayMs;
    const retryable =
      attempt < policy.maxAttempts &&
      call.remaining() - pause >= 1_000 &&
      (isTransient(failure) || (waitMs !== undefined && waitMs <= policy.maxRateLimitWait * 1000));
    call.log.warn({ attempt, error: failure.name, reason: failure.message, retry: retryable }, 'llm: call failed');
    if (!retryable) throw failure;
    await sleep(pause);
  }
}

export function createLlmGateway(deps: LlmGatewayDeps): LlmGateway {
  const policy: RetryPolicy = {
    timeoutMs: deps.timeoutMs ?? 40_000,
    totalTimeoutMs: deps.totalTimeoutMs ?? 55_000,
    maxAttempts: Math.max(1, deps.maxAttempts ?? 2),
    retryDelayMs: deps.retryDelayMs ?? 500,
    maxRateLimitWait: deps.maxRateLimitWaitSeconds ?? 2,
  };
  const clients = createClientCache();

  const defaultModel = (provider: LlmProvider) => deps.defaultModels?.[provider] || PROVIDER_SPECS[provider].defaultModel;
  const baseUrl = (provider: LlmProvider) => deps.baseUrls?.[provider] || PROVIDER_SPECS[provider].defaultBaseUrl;

  return {
    defaultModel,

    async complete(agentId, ownerId, providerName, modelName, req) {
      const provider = checkProvider(providerName);
      const spec = PROVIDER_SPECS[provider];
      const model = modelName?.trim() || defaultModel(provider);
      if (!MODEL_NAME.test(model)) {
        throw new LlmNotConfiguredError(provider, `"${model.slice(0, 40)}" is not a valid model name for ${spec.label}.`);
      }
      await admitAgent(deps, ownerId, agentId, provider);
      const { apiKey, metered } = await resolveKey(deps, ownerId, agentId, provider);
      const client = clients.get({ provider, baseUrl: baseUrl(provider), apiKey, timeoutMs: policy.timeoutMs, fetch: deps.fetch });
      const body = buildChatRequest(spec, model, req);
      const log = deps.logger.child({ agentId, provider, model, purpose: req.purpose });
      const deadline = Date.now() + policy.totalTimeoutMs;
      const total: TokenUsage = { promptTokens: 0, completionTokens: 0 };
      const call: Call = {
        agentId,
        ownerId,
        provider,
        spec,
        model,
        req,
        apiKey,
        metered,
        client,
        body,
        log,
        total,
        remaining: () => deadline - Date.now(),
      };
      return runAttempts(deps, policy, call);
    },
  };
}
