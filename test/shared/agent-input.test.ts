/**
 * The agent settings' one rule set (src/shared/contract/agent-input.ts), as the browser form runs
 * it: the same verdicts and words as the hub's validation, and a create schema whose limits agree
 * with the rules at their edges.
 */
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { validateField } from '../../src/hub/agents/agent-input.js';
import { AGENT_INPUT_LIMITS, checkAgentField, checkAgentInput, CreateAgentRequest } from '../../src/shared/wire.js';

const limits = { maxLeverage: 20 };

/** The hub's verdict: the normalised value, or the message it refuses with. */
function hubVerdict(field: string, value: unknown): unknown {
  try {
    return { ok: true, value: validateField(field as never, value as never, limits) };
  } catch (error) {
    return { ok: false, field, message: (error as Error).message };
  }
}

describe('checkAgentField', () => {
  it.each([
    ['amountUsdt', 9.99],
    ['amountUsdt', 10],
    ['amountUsdt', 1_000_001],
    ['leverage', 21],
    ['leverage', 2.5],
    ['name', '  btc-scalper '],
    ['name', 'a/b'],
    ['tpPct', 0],
    ['slPct', null],
    ['timeframe', '2h'],
    ['llmProvider', 'mistral'],
    ['symbol', ' btcusdt'],
    ['llmDailyBudgetUsd', 10_001],
    ['pollSeconds', 0],
  ])('%s = %j: the same verdict and words as the hub', (field, value) => {
    expect(checkAgentField(field as never, value, limits)).toEqual(hubVerdict(field, value));
  });

  it('refuses a stop-loss past the liquidation price at the leverage, across fields', () => {
    const refused = checkAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, slPct: 9.6 }, limits);
    expect(refused).toMatchObject({ ok: false, field: 'slPct' });
    expect(checkAgentInput({ symbol: 'BTCUSDT', amountUsdt: 100, leverage: 10, slPct: 9 }, limits)).toMatchObject({
      ok: true,
      value: { name: 'BTCUSDT', leverage: 10, slPct: 9, timeframe: '15m' },
    });
  });
});

describe('CreateAgentRequest', () => {
  it('holds the same capital limits as the rules, at both edges', () => {
    const { min, max } = AGENT_INPUT_LIMITS.amountUsdt;
    for (const amountUsdt of [min - 0.01, min, max, max + 1]) {
      const schemaOk = Value.Check(CreateAgentRequest, { symbol: 'BTCUSDT', amountUsdt });
      expect(schemaOk, String(amountUsdt)).toBe(checkAgentField('amountUsdt', amountUsdt, limits).ok);
    }
  });

  it('refuses unknown fields', () => {
    expect(Value.Check(CreateAgentRequest, { symbol: 'BTCUSDT', amountUsdt: 100, ownerId: 'x' })).toBe(false);
  });
});
