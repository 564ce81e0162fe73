import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.js';
import { DEFAULT_LLM_PRICES, llmCostUsd, parseLlmPrices, withPriceOverrides } from '../../../src/hub/llm/prices.js';
import { PROVIDER_SPECS } from '../../../src/hub/llm/providers.js';

describe('llmCostUsd', () => {
  it('prices tokens per million, input and output apart (hand-computed)', () => {
    // gpt-4.1-mini: $0.40 in, $1.60 out per million → 12,000 × 0.4 / 1e6 + 3,000 × 1.6 / 1e6 = 0.0048 + 0.0048
    expect(llmCostUsd(DEFAULT_LLM_PRICES, 'openai', 'gpt-4.1-mini', 12_000, 3_000)).toBeCloseTo(0.0096, 12);
    // claude-sonnet-4-5: $3 in, $15 out → 1,000,000 × 3 / 1e6 + 200,000 × 15 / 1e6 = 3 + 3
    expect(llmCostUsd(DEFAULT_LLM_PRICES, 'anthropic', 'claude-sonnet-4-5', 1_000_000, 200_000)).toBeCloseTo(6, 12);
    expect(llmCostUsd(DEFAULT_LLM_PRICES, 'OpenAI', 'GPT-4.1-mini', 0, 0)).toBe(0);
  });

  it('gives null (unknown), never a guess, for a model without a price', () => {
    expect(llmCostUsd(DEFAULT_LLM_PRICES, 'openai', 'gpt-9-ultra', 1000, 1000)).toBeNull();
    expect(llmCostUsd(DEFAULT_LLM_PRICES, 'nobody', 'gpt-4.1-mini', 1000, 1000)).toBeNull();
  });

  it('has a price for every provider default model', () => {
    for (const spec of Object.values(PROVIDER_SPECS)) {
      expect(llmCostUsd(DEFAULT_LLM_PRICES, spec.name, spec.defaultModel, 1, 1), spec.name).not.toBeNull();
    }
  });
});

describe('LLM_PRICES', () => {
  it('overrides a default and adds a model', () => {
    const c = parseConfig({ LLM_PRICES: '{"openai/gpt-4.1-mini":{"input":1,"output":2},"OpenAI/My-Model":{"input":0.5,"output":0}}' });
    expect(llmCostUsd(c.llm.prices, 'openai', 'gpt-4.1-mini', 1_000_000, 1_000_000)).toBe(3);
    expect(llmCostUsd(c.llm.prices, 'openai', 'my-model', 2_000_000, 5)).toBe(1);
    // The rest of the defaults stay.
    expect(c.llm.prices['anthropic/claude-sonnet-4-5']).toEqual({ input: 3, output: 15 });
  });

  it('uses the defaults when unset', () => {
    expect(parseConfig({}).llm.prices).toEqual(DEFAULT_LLM_PRICES);
    expect(withPriceOverrides({})).toEqual(DEFAULT_LLM_PRICES);
  });

  it.each([
    ['{not json', 'LLM_PRICES is not valid JSON'],
    ['[1,2]', 'LLM_PRICES must be a JSON object'],
    ['{"gpt-4o":{"input":1,"output":1}}', 'key "gpt-4o" must be "provider/model"'],
    ['{"openai/gpt-4o":{"input":-1,"output":1}}', '"openai/gpt-4o" must be {"input": n, "output": n}'],
    ['{"openai/gpt-4o":{"input":"1","output":1}}', '"openai/gpt-4o" must be {"input": n, "output": n}'],
    ['{"openai/gpt-4o":{"input":1}}', '"openai/gpt-4o" must be {"input": n, "output": n}'],
  ])('refuses %s with a clear config error', (raw, expected) => {
    let error: unknown;
    try {
      parseConfig({ LLM_PRICES: raw });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.startsWith('LLM_PRICES'));
    expect(problem).toContain(expected);
  });

  it('parses keys to lower case', () => {
    expect(parseLlmPrices('{"DeepSeek/X":{"input":1,"output":2}}')).toEqual({ prices: { 'deepseek/x': { input: 1, output: 2 } } });
  });
});
