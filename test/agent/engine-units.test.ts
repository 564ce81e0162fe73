import { describe, expect, it } from 'vitest';
import { decide } from '../../agent/src/engine/decide.js';
import { extractJsonObject } from '../../agent/src/engine/llm-json.js';
import { parseLlmPlan } from '../../agent/src/engine/planner.js';
import { checkTpSl, dynamicLevels, fixedLevels, sessionDrawdown, unrealizedPnl } from '../../agent/src/engine/position-math.js';
import { parseSupervisorAnswer } from '../../agent/src/engine/supervisor.js';
import { parseStartRequest, parseStopRequest } from '../../agent/src/validate.js';
import { openPosition, startRequest } from './helpers.js';

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
    expect(sessionDrawdown({ realizedPnl: -4, unrealizedPnl: -6, amountUsdt: 100, maxSessionLossPct: 10 })).toEqual({ pnl: -10, pct: -10, hit: true });
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
    expect(decide({ ...base, side: 'long', signal: -0.9 })).toMatchObject({ kind: 'close', reason: 'signal reversed (momentum -0.90 ≤ -0.3)' });
    expect(decide({ ...base, side: 'long', signal: 0.9 })).toMatchObject({ kind: 'hold' });
    expect(decide({ ...base, side: 'short', signal: 0.3 })).toMatchObject({ kind: 'close' });
    expect(decide({ ...base, side: null, signal: 0.9, entryBlocked: 'cooldown' })).toEqual({ kind: 'hold', reason: 'cooldown (momentum +0.90)' });
  });
});

describe('LLM answers', () => {
  it('extracts JSON from plain text, fences and prose', () => {
    expect(extractJsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(extractJsonObject('Sure!\n```json\n{"a": "}"}\n```')).toEqual({ a: '}' });
    expect(extractJsonObject('Here: {"a": {"b": "x\\"}"}} trailing')).toEqual({ a: { b: 'x"}' } });
    expect(extractJsonObject('no json')).toBeUndefined();
    expect(extractJsonObject('[1,2]')).toBeUndefined();
  });

  it('validates a plan: known strategy (aliases ok), lookback and threshold ranges', () => {
    expect(parseLlmPlan('{"strategy":"MACD","lookback":26.4,"threshold":0.35,"reasoning":" r "}')).toEqual({
      plan: { strategy: 'macd_signal', lookback: 26, threshold: 0.35, reasoning: 'r', source: 'llm' },
    });
    expect(parseLlmPlan('{"strategy":"macd","lookback":1,"threshold":0.3}')).toMatchObject({ error: expect.stringContaining('lookback 1') });
    expect(parseLlmPlan('{"strategy":"macd","lookback":20,"threshold":"0.3"}')).toMatchObject({ error: expect.stringContaining('threshold') });
    expect(parseLlmPlan('{"lookback":20,"threshold":0.3}')).toEqual({ error: 'strategy missing' });
  });

  it('supervisor: unknown or malformed → KEEP, flagged', () => {
    expect(parseSupervisorAnswer('{"action":"close","reasoning":"x","confidence":0.9}', 'fixed')).toEqual({
      action: 'CLOSE',
      reasoning: 'x',
      confidence: 0.9,
      overridden: null,
    });
    expect(parseSupervisorAnswer('{"action":"SELL_ALL"}', 'dynamic')).toMatchObject({ action: 'KEEP', overridden: expect.stringContaining('SELL_ALL') });
    expect(parseSupervisorAnswer('', 'dynamic')).toMatchObject({ action: 'KEEP', overridden: expect.stringMatching(/^malformed/) });
    expect(parseSupervisorAnswer('{"action":"ADJUST_TP_SL","reasoning":"y","confidence":7}', 'dynamic')).toMatchObject({ action: 'ADJUST_TP_SL', confidence: 0.5 });
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
    expect(parseStopRequest(undefined)).toEqual({});
    expect(parseStopRequest({ closePosition: false, reason: 'x' })).toEqual({ closePosition: false, reason: 'x' });
  });
});
