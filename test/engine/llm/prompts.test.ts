import { describe, expect, it } from 'vitest';
import {
  PLANNER_SCHEMA,
  PLAN_BOUNDS,
  parsePlannerAnswer,
  plannerMessages,
  type PlannerContext,
} from '../../../src/engine/llm/planner-prompt.js';
import { extractJsonObject, summarizeCandles } from '../../../src/engine/llm/prompt-format.js';
import {
  MAX_LEVEL_DISTANCE,
  SUPERVISOR_SCHEMA,
  parseSupervisorAnswer,
  supervisorMessages,
  type SupervisorContext,
} from '../../../src/engine/llm/supervisor-prompt.js';
import type { Candle } from '../../../src/shared/market.js';
import { STRATEGY_NAMES } from '../../../src/engine/strategies/index.js';

const candles: Candle[] = Array.from({ length: 200 }, (_, i) => {
  const close = 60_000 + i * 10 + (i % 7) * 3;
  return { openTime: Date.UTC(2025, 0, 1) + i * 900_000, open: close - 5, high: close + 20, low: close - 25, close, volume: 12.5 + i };
});

const plannerContext: PlannerContext = {
  symbol: 'BTCUSDT',
  timeframe: '15m',
  riskProfile: 'moderate',
  leverage: 5,
  amountUsdt: 100,
  candles: summarizeCandles(candles),
  indicators: { adx14: 31.2, atr14Pct: 0.08, rsi14: null },
  rulesSuggestion: { strategy: 'trend_following', regime: 'trending', reason: 'ADX 31.2' },
};

const supervisorContext: SupervisorContext = {
  symbol: 'BTCUSDT',
  timeframe: '15m',
  tpSlMode: 'dynamic',
  price: 62_000,
  position: {
    side: 'long',
    qty: 0.008,
    entryPrice: 61_000,
    leverage: 5,
    tpPrice: 63_000,
    slPrice: 60_000,
    liquidationPrice: 49_500,
    openedAt: '2025-01-02T10:00:00.000Z',
  },
  unrealizedPnl: 8,
  realizedPnl: -2.5,
  strategy: 'trend_following',
  signal: { value: 0.42, reason: 'EMA slope up' },
  candles: summarizeCandles(candles),
  indicators: { adx14: 28 },
};

const plan = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ strategy: 'ema_crossover', lookback: 21, threshold: 0.35, reasoning: 'Trend is clean.', ...over });
const verdict = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ action: 'KEEP', tpPrice: null, slPrice: null, confidence: 0.7, reasoning: 'Fine.', ...over });
const longCheck = { price: 62_000, side: 'long' as const, tpSlMode: 'dynamic' as const, liquidationPrice: 49_500 };
const shortCheck = { price: 62_000, side: 'short' as const, tpSlMode: 'dynamic' as const, liquidationPrice: 74_000 };

describe('summarizeCandles', () => {
  it('keeps the last rows, the range and the change', () => {
    const s = summarizeCandles(candles, 5);
    expect(s.count).toBe(200);
    expect(s.recent).toHaveLength(5);
    expect(s.recent[4][4]).toBe(candles[199].close);
    expect(s.high).toBe(Math.max(...candles.map((c) => c.high)));
    expect(s.changePct).toBeCloseTo(((candles[199].close - candles[0].close) / candles[0].close) * 100, 10);
    expect(summarizeCandles([])).toMatchObject({ count: 0, lastClose: null, recent: [] });
  });
});

describe('planner prompt', () => {
  it('carries the settings, market, baseline, the whole strategy menu and the answer format', () => {
    const messages = plannerMessages(plannerContext);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    const user = messages[1].content;
    for (const needle of [
      'BTCUSDT',
      '15m',
      '5x',
      'moderate',
      'adx14=31.2',
      'rsi14=n/a',
      'trending → trend_following',
      '"threshold"',
      'json'.toUpperCase(),
    ]) {
      expect(user).toContain(needle);
    }
    for (const name of STRATEGY_NAMES) expect(user).toContain(`- ${name} (`);
    expect(messages.every((m) => m.content.length <= 20_000)).toBe(true);
  });

  it('lists only the candidates when given', () => {
    const user = plannerMessages({ ...plannerContext, candidates: ['momentum', 'rsi_signal'] })[1].content;
    expect(user).toContain('- momentum (');
    expect(user).toContain('- rsi_signal (');
    expect(user).not.toContain('- supertrend (');
  });

  it('has a strict-mode schema: every property required, no extra properties, the library as enum', () => {
    expect(PLANNER_SCHEMA.required).toEqual(Object.keys(PLANNER_SCHEMA.properties as object));
    expect(PLANNER_SCHEMA.additionalProperties).toBe(false);
    expect((PLANNER_SCHEMA.properties as any).strategy.enum).toEqual([...STRATEGY_NAMES]);
  });
});

describe('parsePlannerAnswer', () => {
  it('accepts a valid plan, from plain JSON, a code fence or prose around it', () => {
    const expected = { ok: true, plan: { strategy: 'ema_crossover', lookback: 21, threshold: 0.35, reasoning: 'Trend is clean.' } };
    expect(parsePlannerAnswer(plan())).toEqual(expected);
    expect(parsePlannerAnswer('```json\n' + plan() + '\n```')).toEqual(expected);
    expect(parsePlannerAnswer(`Here you go: ${plan()} Good luck!`)).toEqual(expected);
  });

  it('resolves aliases and rounds the lookback', () => {
    const r = parsePlannerAnswer(plan({ strategy: 'MACD', lookback: 19.6 }));
    expect(r).toMatchObject({ ok: true, plan: { strategy: 'macd_signal', lookback: 20 } });
  });

  it.each([
    ['malformed JSON', '{"strategy": "momentum", "lookback": 10,', /no JSON object/],
    ['prose only', 'I suggest momentum.', /no JSON object/],
    ['an empty answer', '   ', /no JSON object/],
    ['an unknown strategy', plan({ strategy: 'moon_shot' }), /unknown strategy "moon_shot"/],
    ['a missing strategy', plan({ strategy: undefined }), /strategy missing/],
    ['a lookback too short', plan({ lookback: 1 }), /lookback 1/],
    ['a lookback too long', plan({ lookback: PLAN_BOUNDS.maxLookback + 1 }), /lookback/],
    ['a lookback as a string', plan({ lookback: '20' }), /lookback/],
    ['a zero threshold', plan({ threshold: 0 }), /threshold 0 /],
    ['a raw-return threshold', plan({ threshold: 0.0015 }), /threshold 0.0015/],
    ['a threshold above 1', plan({ threshold: 1.5 }), /threshold 1.5/],
    ['a missing threshold', plan({ threshold: undefined }), /threshold missing/],
  ])('refuses %s', (_what, content, reason) => {
    const r = parsePlannerAnswer(content);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses a strategy outside the candidates', () => {
    expect(parsePlannerAnswer(plan(), { candidates: ['momentum'] })).toEqual({
      ok: false,
      reason: 'strategy "ema_crossover" is not one of the candidates',
    });
  });

  it('keeps reasoning short', () => {
    const r = parsePlannerAnswer(plan({ reasoning: 'x'.repeat(5_000) }));
    expect(r.ok && r.plan.reasoning.length).toBe(1_000);
  });
});

describe('supervisor prompt', () => {
  it('carries the position, levels, signal, market and the side rules for ADJUST_TP_SL', () => {
    const messages = supervisorMessages(supervisorContext);
    const user = messages[1].content;
    for (const needle of [
      'BTCUSDT long 0.008 @ 61000',
      'Current price 62000',
      'Unrealized PnL 8 USDT',
      'realized this session -2.5',
      'Take-profit 63000',
      'stop-loss 60000',
      'liquidation 49500',
      'latest signal 0.42',
      'adx14=28',
      'tpPrice above',
      'slPrice below',
    ]) {
      expect(user).toContain(needle);
    }
    expect(user).toContain('1.64% in the position');
  });

  it('forbids ADJUST_TP_SL in fixed mode and flips the sides for a short', () => {
    expect(supervisorMessages({ ...supervisorContext, tpSlMode: 'fixed' })[1].content).toContain('ADJUST_TP_SL is not allowed');
    const short = supervisorMessages({ ...supervisorContext, position: { ...supervisorContext.position, side: 'short' } })[1].content;
    expect(short).toContain('tpPrice below');
    expect(short).toContain('-1.64% in the position');
  });

  it('has a strict-mode schema with nullable levels', () => {
    expect(SUPERVISOR_SCHEMA.required).toEqual(Object.keys(SUPERVISOR_SCHEMA.properties as object));
    expect((SUPERVISOR_SCHEMA.properties as any).tpPrice.type).toEqual(['number', 'null']);
    expect(SUPERVISOR_SCHEMA.additionalProperties).toBe(false);
  });
});

describe('parseSupervisorAnswer', () => {
  it('accepts KEEP and CLOSE (any case), ignoring levels', () => {
    expect(parseSupervisorAnswer(verdict(), longCheck)).toEqual({
      ok: true,
      decision: { action: 'KEEP', confidence: 0.7, reasoning: 'Fine.' },
    });
    expect(parseSupervisorAnswer(verdict({ action: 'close', tpPrice: 1 }), longCheck)).toEqual({
      ok: true,
      decision: { action: 'CLOSE', confidence: 0.7, reasoning: 'Fine.' },
    });
  });

  it('defaults a missing confidence to 0.5 and refuses one out of range', () => {
    expect(parseSupervisorAnswer('{"action":"KEEP","reasoning":"ok"}', longCheck)).toMatchObject({
      ok: true,
      decision: { confidence: 0.5 },
    });
    expect(parseSupervisorAnswer(verdict({ confidence: 1.2 }), longCheck)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/confidence/),
    });
    expect(parseSupervisorAnswer(verdict({ confidence: 'high' }), longCheck).ok).toBe(false);
  });

  it('accepts ADJUST_TP_SL with levels on the right side of the price', () => {
    expect(parseSupervisorAnswer(verdict({ action: 'ADJUST_TP_SL', tpPrice: 64_000, slPrice: 61_500 }), longCheck)).toEqual({
      ok: true,
      decision: { action: 'ADJUST_TP_SL', tpPrice: 64_000, slPrice: 61_500, confidence: 0.7, reasoning: 'Fine.' },
    });
    expect(parseSupervisorAnswer(verdict({ action: 'ADJUST_TP_SL', tpPrice: 60_000, slPrice: null }), shortCheck)).toEqual({
      ok: true,
      decision: { action: 'ADJUST_TP_SL', tpPrice: 60_000, confidence: 0.7, reasoning: 'Fine.' },
    });
  });

  it.each([
    ['malformed JSON', '{"action": "CLOSE", "reasoning": "dump', longCheck, /no JSON object/],
    ['an unknown action', verdict({ action: 'HEDGE' }), longCheck, /unknown action "HEDGE"/],
    ['a missing action', verdict({ action: undefined }), longCheck, /unknown action "missing"/],
    ['ADJUST in fixed mode', verdict({ action: 'ADJUST_TP_SL', tpPrice: 64_000 }), { ...longCheck, tpSlMode: 'fixed' as const }, /dynamic/],
    ['ADJUST without levels', verdict({ action: 'ADJUST_TP_SL' }), longCheck, /without tpPrice or slPrice/],
    ['a long TP below the price', verdict({ action: 'ADJUST_TP_SL', tpPrice: 61_000 }), longCheck, /tpPrice 61000 is not above/],
    ['a long SL above the price', verdict({ action: 'ADJUST_TP_SL', slPrice: 62_500 }), longCheck, /slPrice 62500 is not below/],
    ['a short TP above the price', verdict({ action: 'ADJUST_TP_SL', tpPrice: 63_000 }), shortCheck, /tpPrice 63000 is not below/],
    ['a short SL below the price', verdict({ action: 'ADJUST_TP_SL', slPrice: 61_000 }), shortCheck, /slPrice 61000 is not above/],
    ['a long SL beyond liquidation', verdict({ action: 'ADJUST_TP_SL', slPrice: 49_000 }), longCheck, /liquidation/],
    ['a short SL beyond liquidation', verdict({ action: 'ADJUST_TP_SL', slPrice: 75_000 }), shortCheck, /liquidation/],
    [
      'a level too far away',
      verdict({ action: 'ADJUST_TP_SL', tpPrice: 62_000 * (1 + MAX_LEVEL_DISTANCE) + 1 }),
      longCheck,
      /more than 50%/,
    ],
    ['a negative level', verdict({ action: 'ADJUST_TP_SL', slPrice: -5 }), longCheck, /not a positive price/],
    ['a level as text', verdict({ action: 'ADJUST_TP_SL', tpPrice: '64000' }), longCheck, /not a positive price/],
  ])('refuses %s', (_what, content, check, reason) => {
    const r = parseSupervisorAnswer(content, check);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('extractJsonObject', () => {
  it('finds the first balanced object with braces inside strings', () => {
    expect(extractJsonObject('note {"a": "x } y", "b": {"c": 1}} trailing {"d":2}')).toEqual({ a: 'x } y', b: { c: 1 } });
    expect(extractJsonObject('[1,2]')).toBeUndefined();
    expect(extractJsonObject('{"a":')).toBeUndefined();
  });
});
