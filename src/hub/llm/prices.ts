/**
 * What LLM tokens cost in money: a price table per provider and model, in USD per million input
 * (prompt) and output (completion) tokens, and the cost of one call.
 *
 * The defaults are the providers' published list prices for standard (not batch, not cached)
 * use, as of `DEFAULT_PRICES_DATE`; `LLM_PRICES` (JSON, parsed in src/config.ts) overrides and
 * extends them, e.g. `{"openai/gpt-4o-mini":{"input":0.15,"output":0.6}}`. A model the table does
 * not hold has no cost (null, shown as "—"): a made-up number would be worse than none.
 */

/** USD per one million tokens. */
export interface LlmPrice {
  input: number;
  output: number;
}

/** Keyed by `provider/model`, both lower case (e.g. `openai/gpt-4.1-mini`). */
export type LlmPriceTable = Readonly<Record<string, LlmPrice>>;

/** When the default prices were taken from the providers' pricing pages (YYYY-MM-DD). */
export const DEFAULT_PRICES_DATE = '2025-10-01';

export const DEFAULT_LLM_PRICES: LlmPriceTable = Object.freeze({
  // https://openai.com/api/pricing
  'openai/gpt-4.1': { input: 2, output: 8 },
  'openai/gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai/gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai/gpt-4o': { input: 2.5, output: 10 },
  'openai/gpt-4o-mini': { input: 0.15, output: 0.6 },
  // https://ai.google.dev/gemini-api/docs/pricing (prompts up to 200k tokens)
  'gemini/gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini/gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
  'gemini/gemini-2.5-pro': { input: 1.25, output: 10 },
  // https://api-docs.deepseek.com/quick_start/pricing (input on a cache miss)
  'deepseek/deepseek-chat': { input: 0.28, output: 0.42 },
  'deepseek/deepseek-reasoner': { input: 0.28, output: 0.42 },
  // https://www.anthropic.com/pricing#api
  'anthropic/claude-sonnet-4-5': { input: 3, output: 15 },
  'anthropic/claude-sonnet-4-0': { input: 3, output: 15 },
  'anthropic/claude-opus-4-1': { input: 15, output: 75 },
  'anthropic/claude-haiku-4-5': { input: 1, output: 5 },
});

/** The price table key of a provider and model. */
export function priceKey(provider: string, model: string): string {
  return `${provider.trim().toLowerCase()}/${model.trim().toLowerCase()}`;
}

/**
 * USD cost of one call: tokens × price per million. Null when the table has no price for the
 * model (the cost is unknown, never guessed).
 */
export function llmCostUsd(
  prices: LlmPriceTable,
  provider: string,
  model: string,
  promptTokens: number,
  completionTokens: number,
): number | null {
  const price = prices[priceKey(provider, model)];
  if (!price) return null;
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}

/** The defaults with `overrides` laid over them (an override replaces a default entry whole). */
export function withPriceOverrides(overrides: LlmPriceTable): LlmPriceTable {
  return Object.freeze({ ...DEFAULT_LLM_PRICES, ...overrides });
}

/** Most a sane price can be (USD per million tokens); above it the JSON is surely a mistake. */
const MAX_PRICE = 10_000;
const EXAMPLE = '{"openai/gpt-4o-mini":{"input":0.15,"output":0.6}}';

/**
 * Reads `LLM_PRICES`: a JSON object of `"provider/model": {"input": n, "output": n}` (USD per
 * million tokens, 0 – 10,000). Returns the entries with lower-case keys, or a problem naming
 * what is wrong.
 */
export function parseLlmPrices(json: string): { prices: LlmPriceTable } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problem: `is not valid JSON; write e.g. ${EXAMPLE}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `must be a JSON object of "provider/model" entries, e.g. ${EXAMPLE}` };
  }
  const prices: Record<string, LlmPrice> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^[a-z0-9-]+\/[^\s/][^\s]*$/i.test(key)) {
      return { problem: `key "${key.slice(0, 60)}" must be "provider/model", e.g. "openai/gpt-4o-mini"` };
    }
    const entry = value as Partial<Record<string, unknown>> | null;
    const valid = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= MAX_PRICE;
    if (typeof entry !== 'object' || entry === null || !valid(entry.input) || !valid(entry.output)) {
      return {
        problem: `"${key}" must be {"input": n, "output": n} in USD per million tokens (0-${MAX_PRICE}), e.g. {"input":0.15,"output":0.6}`,
      };
    }
    prices[key.toLowerCase()] = { input: entry.input as number, output: entry.output as number };
  }
  return { prices };
}
