import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import { plannerContext } from '../../src/engine/planner.js';
import { checkTpSl, dynamicLevels, fixedLevels, sessionDrawdown, unrealizedPnl } from '../../src/engine/position-math.js';
import { readSupervisorAnswer, supervisorRequest } from '../../src/engine/supervisor.js';
import { PLANNER_SCHEMA, plannerMessages } from '../../src/engine/llm/planner-prompt.js';
import { SUPERVISOR_SCHEMA } from '../../src/engine/llm/supervisor-prompt.js';
import { parseStartRequest, parseStopRequest } from '../../agent/src/validate.js';
import { baseConfig, openPosition, startRequest } from '../agent/helpers.js';
import { flatCandles } from './engine-harness.js';

describe('position math', () => {
  it('unrealised PnL is qty × move, signed by side', () => {
    expect(unrealizedPnl({ side: 'long', qty: 2, entryPrice: 100 }, 103)).toBeCloseTo(6, 9);
    expect(unrealizedPnl({ side: 'short', qty: 2, entryPrice: 100 }, 103)).toBeCloseTo(-6, 9);
  });

  it('fixed levels are percent of entry; null disables a side', () => {
    expect(fixedLevels('long', 200, 5, 2)).toEqual({ tpPrice: 210, slPrice: 196 });
    expect(fixedLevels('short', 200, 5, 2)).toEqual({ tpPrice: 190, slPrice: 204 });
    expect(fixedLevels('long', 200, null, 2)).toEqual({ tpPrice: null, slPrice: 196 });
  });

  it('dynamic levels: 2×ATR stop, 2:1 reward, 3 % fallback', () => {
    expect(dynamicLevels('long', 100, 1.5)).toMatchObject({ slPrice: 97, tpPrice: 106, usedFallback: false });
    expect(dynamicLevels('short', 100, undefined)).toMatchObject({ slPrice: 103, tpPrice: 94, usedFallback: true });
    expect(dynamicLevels('long', 100, 0)).toMatchObject({ usedFallback: true });
  });

  it('TP/SL checks are inclusive and TP wins', () => {
    expect(checkTpSl('long', 110, { tpPrice: 110, slPrice: 90 })).toEqual({ kind: 'TP', level: 110 });
    expect(checkTpSl('long', 90, { tpPrice: 110, slPrice: 90 })).toEqual({ kind: 'SL', level: 90 });
    expect(checkTpSl('long', 100, { tpPrice: 110, slPrice: 90 })).toBeNull();
    expect(checkTpSl('short', 89, { tpPrice: 90, slPrice: 110 })).toEqual({ kind: 'TP', level: 90 });
    expect(checkTpSl('short', 100, { tpPrice: null, slPrice: null })).toBeNull();
  });

  it('drawdown: hit at the limit, never when the limit is 0', () => {
    expect(sessionDrawdown({ realizedPnl: -4, unrealizedPnl: -6, amountUsdt: 100, maxSessionLossPct: 10 })).toEqual({
      pnl: -10,
      pct: -10,
      hit: true,
    });
    expect(sessionDrawdown({ realizedPnl: -4, unrealizedPnl: -5.9, amountUsdt: 100, maxSessionLossPct: 10 }).hit).toBe(false);
    expect(sessionDrawdown({ realizedPnl: -90, unrealizedPnl: 0, amountUsdt: 100, maxSessionLossPct: 0 }).hit).toBe(false);
  });
});

describe('decide', () => {
  const base = { strategy: 'momentum', threshold: 0.3, entryBlocked: null };
  it('opens on a strong signal when flat, closes a long on a reversal, never flips', () => {
    expect(decide({ ...base, side: null, signal: 0.3 })).toMatchObject({ kind: 'open', side: 'long' });
    expect(decide({ ...base, side: null, signal: -0.45 })).toMatchObject({ kind: 'open', side: 'short' });
    expect(decide({ ...base, side: null, signal: 0.29 })).toMatchObject({ kind: 'hold' });
    expect(decide({ ...base, side: 'long', signal: -0.9 })).toMatchObject({
      kind: 'close',
      reason: 'signal reversed (momentum -0.90 ≤ -0.3)',
    });
    expect(decide({ ...base, side: 'long', signal: 0.9 })).toMatchObject({ kind: 'hold' });
    expect(decide({ ...base, side: 'short', signal: 0.3 })).toMatchObject({ kind: 'close' });
    const blocked = decide({ ...base, side: null, signal: 0.9, entryBlocked: 'cooldown' });
    expect([blocked.kind, blocked.reason]).toEqual(['hold', 'cooldown (momentum +0.90)']);
    // A hold's reason is worded when read, and says why it holds.
    expect(decide({ ...base, side: 'long', signal: 0.9 }).reason).toBe('holding long (momentum +0.90)');
    expect(decide({ ...base, side: null, signal: 0.29 }).reason).toBe('signal weak (momentum +0.29, need ±0.3)');
  });
});

/**
 * The agent's side of the shared LLM contract (`src/engine/llm/*`, whose prompts and
 * parsers are tested in test/agent/llm/prompts.test.ts): what the engine puts in, and how a
 * supervisor answer becomes a verdict.
 */
describe('LLM contract adapters', () => {
  const candles = flatCandles(60, 100, 2);

  it('planner context: the agent settings, the market summary, ATR/ADX and the rules read', () => {
    const ctx = plannerContext(baseConfig({ leverage: 3, riskProfile: 'aggressive' }), candles);
    expect(ctx).toMatchObject({ symbol: 'BTCUSDT', timeframe: '1m', riskProfile: 'aggressive', leverage: 3, amountUsdt: 100 });
    expect(ctx.candles).toMatchObject({ count: 60, lastClose: 100 });
    expect(ctx.indicators?.atr14).toBeCloseTo(2, 9);
    expect(ctx.indicators?.atr14Pct).toBeCloseTo(2, 9);
    expect(ctx.rulesSuggestion?.strategy).toBeTruthy();
    expect(plannerMessages(ctx)[1].content).toContain('Symbol: BTCUSDT. Timeframe: 1m.');
    expect(PLANNER_SCHEMA).toMatchObject({ required: ['strategy', 'lookback', 'threshold', 'reasoning'] });
  });

  const dynamic = baseConfig({ tpSlMode: 'dynamic' });
  const pos = openPosition({ entryPrice: 100, liquidationPrice: 60 });
  const levels = { tpPrice: 106, slPrice: 97 };

  it('supervisor request: shared schema, the enforced levels and the signal in the prompt', () => {
    const req = supervisorRequest({
      config: dynamic,
      position: pos,
      price: 101,
      unrealizedPnl: 1,
      realizedPnl: -0.5,
      strategy: 'momentum',
      signal: { value: 0.42, reason: 'scripted' },
      candles,
      levels,
    });
    expect(req).toMatchObject({ purpose: 'supervisor', jsonSchema: SUPERVISOR_SCHEMA });
    const prompt = req.messages[1].content;
    expect(prompt).toContain('Take-profit 106, stop-loss 97, liquidation 60; TP/SL mode: dynamic.');
    expect(prompt).toContain('latest signal 0.42 (scripted)');
  });

  it('supervisor answer: KEEP/CLOSE as given; ADJUST_TP_SL carries prices, a null level is kept', () => {
    const input = { config: dynamic, position: pos, price: 101, levels };
    expect(readSupervisorAnswer('{"action":"close","reasoning":"x","confidence":0.9}', input)).toEqual({
      action: 'CLOSE',
      reasoning: 'x',
      confidence: 0.9,
      levels: null,
      rejected: null,
    });
    expect(
      readSupervisorAnswer('{"action":"ADJUST_TP_SL","tpPrice":null,"slPrice":99.5,"confidence":0.6,"reasoning":"trail"}', input),
    ).toEqual({
      action: 'ADJUST_TP_SL',
      reasoning: 'trail',
      confidence: 0.6,
      levels: { tpPrice: 106, slPrice: 99.5 },
      rejected: null,
    });
  });

  it('supervisor answer: anything the shared validator refuses becomes KEEP with the reason', () => {
    const input = { config: dynamic, position: pos, price: 101, levels };
    const keep = { action: 'KEEP', confidence: 0.5, levels: null };
    expect(readSupervisorAnswer('', input)).toMatchObject({ ...keep, rejected: expect.stringMatching(/^no JSON object/) });
    expect(readSupervisorAnswer('{"action":"SELL_ALL"}', input)).toMatchObject({ ...keep, rejected: expect.stringContaining('SELL_ALL') });
    // The shared contract: an adjustment names its levels; the agent no longer invents them.
    expect(readSupervisorAnswer('{"action":"ADJUST_TP_SL","reasoning":"y","confidence":0.6}', input)).toMatchObject({
      ...keep,
      rejected: 'ADJUST_TP_SL without tpPrice or slPrice',
    });
    expect(readSupervisorAnswer('{"action":"ADJUST_TP_SL","slPrice":102,"confidence":0.6}', input)).toMatchObject({
      ...keep,
      rejected: expect.stringContaining('slPrice 102 is not below the price 101'),
    });
    expect(
      readSupervisorAnswer('{"action":"ADJUST_TP_SL","slPrice":99,"confidence":0.6}', { ...input, config: baseConfig() }),
    ).toMatchObject({
      ...keep,
      rejected: 'ADJUST_TP_SL needs the dynamic TP/SL mode',
    });
    expect(readSupervisorAnswer('{"action":"KEEP","confidence":7}', input)).toMatchObject({
      ...keep,
      rejected: expect.stringContaining('confidence 7'),
    });
  });
});

describe('request validation', () => {
  it('accepts a full StartRequest and ignores unknown fields', () => {
    const req = { ...startRequest('http://127.0.0.1:9000', { position: openPosition() }), extra: 1 };
    const parsed = parseStartRequest(req);
    expect(parsed.config.symbol).toBe('BTCUSDT');
    expect(parsed.position?.tradeId).toBe('t-resume');
    expect(parsed).not.toHaveProperty('extra');
  });

  it('names the bad field', () => {
    const bad = (mutate: (r: any) => void) => {
      const r: any = structuredClone(startRequest(''));
      mutate(r);
      return () => parseStartRequest(r);
    };
    expect(bad((r) => (r.config.timeframe = '2m'))).toThrow(/config\.timeframe/);
    expect(bad((r) => (r.config.tpSlMode = 'magic'))).toThrow(/config\.tpSlMode/);
    expect(bad((r) => (r.config.leverage = 0))).toThrow(/config\.leverage/);
    expect(bad((r) => (r.config.llmProvider = 5))).toThrow(/config\.llmProvider/);
    expect(bad((r) => (r.position = { side: 'long' }))).toThrow(/position\.tradeId/);
    expect(bad((r) => (r.hubUrl = 'ftp://x'))).toThrow(/hubUrl/);
    expect(bad((r) => delete r.config)).toThrow(/config: expected an object/);
    // One strategy-name limit with the hub (WIRE_LIMITS.maxStrategyNameChars = 64).
    const withStrategy = (name: string) =>
      parseStartRequest({ ...structuredClone(startRequest('')), config: { ...startRequest('').config, strategy: name } });
    expect(withStrategy('s'.repeat(64)).config.strategy).toBe('s'.repeat(64));
    expect(() => withStrategy('s'.repeat(65))).toThrow(/config\.strategy/);
    expect(parseStopRequest(undefined)).toEqual({});
    expect(parseStopRequest({ closePosition: false, reason: 'x' })).toEqual({ closePosition: false, reason: 'x' });
  });
});
