/**
 * The one-line /backtest and /compare arguments and the period rules (src/bot/backtest-line.ts,
 * src/bot/backtest-args.ts): what each word means, defaults listed, and a specific refusal for an
 * unknown symbol, strategy, period or option.
 */
import { describe, expect, it } from 'vitest';
import { parsePeriod, periodLabel, periodRange, requestOfAgent, toBacktestParams, DAY_MS } from '../../src/bot/backtest-args.js';
import { parseBacktestLine, type LineContext } from '../../src/bot/backtest-line.js';
import { AGENT_DEFAULTS } from '../../src/hub/agents/agent-input.js';
import { SUPPORTED_SYMBOL_IDS } from '../../src/hub/market/symbols.js';

const NOW = Date.UTC(2026, 10, 30, 12, 7, 30);
const c: LineContext = { supportedSymbols: SUPPORTED_SYMBOL_IDS.hashkey, maxLeverage: 20, nowMs: NOW };

function parsed(text: string, ctx = c) {
  const r = parseBacktestLine(text, ctx);
  if (!r.ok) throw new Error(`refused: ${r.message}`);
  return r.value;
}
function refusal(text: string, ctx = c): string {
  const r = parseBacktestLine(text, ctx);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.value)}`);
  return r.message;
}

describe('parseBacktestLine', () => {
  it('reads the example of the issue', () => {
    const { request, defaulted } = parsed('BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3');
    expect(request).toEqual({
      symbol: 'BTCUSDT',
      timeframe: '15m',
      period: { days: 90 },
      strategy: 'trend_following',
      tpPct: 3,
      slPct: 1.5,
      leverage: 3,
      amountUsdt: 1000,
      tpSlMode: 'fixed',
      riskProfile: 'moderate',
      maxSessionLossPct: AGENT_DEFAULTS.maxSessionLossPct,
      liveMode: false,
    });
    expect(defaulted).toEqual(['capital 1000 USDT', 'TP/SL fixed', 'risk moderate', 'paper']);
  });

  it('takes words in any order, aliases and the other options', () => {
    const { request, defaulted } = parsed('rsi 1y eth/usdt 4h capital=2,500 mode=live tpsl=dynamic risk=aggressive tp=none leverage=2');
    expect(request).toMatchObject({
      symbol: 'ETHUSDT',
      timeframe: '4h',
      period: { days: 365 },
      strategy: 'rsi_signal',
      amountUsdt: 2500,
      liveMode: true,
      tpSlMode: 'dynamic',
      riskProfile: 'aggressive',
      tpPct: null,
      leverage: 2,
    });
    expect(defaulted).toEqual(['no stop-loss']);
    expect(parsed('SOL strategy=auto amount=300').request).toMatchObject({ symbol: 'SOLUSDT', strategy: 'auto', amountUsdt: 300 });
  });

  it('fills every default and says which', () => {
    const { request, defaulted } = parsed('ETHUSDT');
    expect(request).toMatchObject({ symbol: 'ETHUSDT', timeframe: '15m', period: { days: 30 }, strategy: 'auto', leverage: 5 });
    expect(defaulted).toEqual([
      'timeframe 15m',
      'period 30 days',
      'strategy auto (the rules planner picks)',
      'capital 1000 USDT',
      'leverage 5x',
      'no take-profit',
      'no stop-loss',
      'TP/SL fixed',
      'risk moderate',
      'paper',
    ]);
    expect(parsed('').defaulted[0]).toBe('BTCUSDT');
  });

  it('reads 1d as the timeframe first and as the period after a timeframe', () => {
    expect(parsed('BTCUSDT 1d').request).toMatchObject({ timeframe: '1d', period: { days: 30 } });
    expect(parsed('BTCUSDT 1h 1d').request).toMatchObject({ timeframe: '1h', period: { days: 1 } });
    expect(parsed('BTCUSDT 1d 7d').request).toMatchObject({ timeframe: '1d', period: { days: 7 } });
  });

  it('takes two dates as the period', () => {
    expect(parsed('BTCUSDT 2026-01-01 2026-03-31').request.period).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(parsed('BTCUSDT period=2026-01-01..2026-01-31').request.period).toEqual({ from: '2026-01-01', to: '2026-01-31' });
  });

  it('refuses an unknown symbol, strategy, period or option with what to type', () => {
    expect(refusal('NOPECOIN 15m')).toMatch(/^Unknown symbol "NOPECOIN" \(unknown asset NOPECOIN\)\. Use a pair such as/);
    expect(refusal('BTCUSDT trend_folowing')).toMatch(
      /^Unknown strategy "trend_folowing"\. Use auto \(the rules planner picks\) or one of: momentum, /,
    );
    expect(refusal('BTCUSDT 400d')).toBe(
      '"400d" is not a period I can test. Use 7d, 30d, 90d or 1y (any 1–365d or 1–52w), or two dates like 2024-01-01 2024-03-31.',
    );
    expect(refusal('BTCUSDT 2y')).toContain('"2y" is not a period I can test');
    expect(refusal('BTCUSDT foo=1')).toBe(
      'I don\'t know the option "foo=". Options: tp=, sl=, lev=, capital= (or amount=), mode=paper|live, strategy=, tpsl=fixed|dynamic, risk=, period=, tf=.',
    );
    expect(refusal('BTCUSDT tp=')).toBe('"tp=" has no value, e.g. tp=3.');
    expect(refusal('BTCUSDT mode=real')).toBe('mode must be paper or live.');
  });

  it('refuses values by the same rules as the flow, escaping what was typed', () => {
    expect(refusal('BTCUSDT lev=99')).toBe('Leverage must be a whole number from 1 to 20, got 99. Type e.g. 5.');
    expect(refusal('BTCUSDT capital=5')).toContain('Capital must be between 10 and 1,000,000 USDT, got 5');
    expect(refusal('BTCUSDT tp=lots')).toBe('Take-profit must be a percent like 2.5, or none.');
    expect(refusal('BTCUSDT tf=7m')).toContain('Timeframe must be one of 1m, 5m, 15m');
    // The stop-loss is checked against the leverage, whichever comes first.
    expect(refusal('BTCUSDT sl=30 lev=5')).toContain('A 30% stop-loss at 5x leverage would be at or past the liquidation price');
    expect(refusal('BTCUSDT lev=10 sl=9.7')).toContain('(9.5% from the entry)');
    expect(refusal('BTCUSDT <b>_x')).toContain('Unknown strategy "&lt;b&gt;_x"');
  });

  it('refuses a second symbol, timeframe, strategy or period', () => {
    expect(refusal('BTCUSDT ETHUSDT')).toBe('"ETHUSDT": the symbol is already BTCUSDT. One symbol per backtest.');
    expect(refusal('BTCUSDT 15m 1h')).toBe(
      '"1h" is not a period I can test. Use 7d, 30d, 90d or 1y (any 1–365d or 1–52w), or two dates like 2024-01-01 2024-03-31.',
    );
    expect(refusal('BTCUSDT macd rsi')).toBe('"rsi": the strategy is already macd_signal. Give one strategy.');
    expect(refusal('BTCUSDT 7d 30d')).toBe('"30d": the period is already 7 days. Give one period.');
  });

  it('/compare takes no strategy', () => {
    const compare = { ...c, compare: true };
    const { request, defaulted } = parsed('ETHUSDT 1h 90d', compare);
    expect(request).toMatchObject({ symbol: 'ETHUSDT', timeframe: '1h', period: { days: 90 } });
    expect(defaulted).not.toContain('strategy auto (the rules planner picks)');
    expect(refusal('ETHUSDT 1h 90d macd', compare)).toBe('/compare runs every strategy on the same bars: leave "macd" out.');
    expect(refusal('ETHUSDT 1h 90d wat', compare)).toBe(
      'I cannot read "wat". /compare takes a symbol, a timeframe and a period, e.g. /compare ETHUSDT 1h 90d.',
    );
  });
});

describe('periods', () => {
  it('reads presets, days, weeks and a year; refuses the rest', () => {
    expect(parsePeriod('7d', NOW)).toEqual({ ok: true, value: { days: 7 } });
    expect(parsePeriod('6W', NOW)).toEqual({ ok: true, value: { days: 42 } });
    expect(parsePeriod('1y', NOW)).toEqual({ ok: true, value: { days: 365 } });
    expect(parsePeriod('0d', NOW).ok).toBe(false);
    expect(parsePeriod('366d', NOW).ok).toBe(false);
  });

  it('checks dates: real days, in order, not in the future, at most a year', () => {
    const bad = (text: string) => {
      const r = parsePeriod(text, NOW);
      return r.ok ? 'accepted' : r.message;
    };
    expect(bad('2026-02-30 2026-03-31')).toBe('"2026-02-30" is not a date. Type dates as YYYY-MM-DD, e.g. 2024-01-01.');
    expect(bad('2026-03-01 2026-01-01')).toBe('The first day (2026-03-01) must come before the last (2026-01-01).');
    expect(bad('2026-11-01 2026-12-01')).toBe('2026-12-01 is in the future. The last day can be today (2026-11-30) at the latest.');
    expect(bad('2025-01-01 2026-01-01')).toBe('That is 366 days; a backtest covers at most 365. Shorten the period.');
    expect(bad('2026-01-01')).toBe('Type the first and the last day as YYYY-MM-DD, e.g. 2024-01-01 2024-03-31.');
    expect(parsePeriod('2026-11-30 2026-11-30', NOW).ok).toBe(true);
  });

  it('turns a period into times: closed bars only, a date range to the end of its last day', () => {
    const barOpen = Date.UTC(2026, 10, 30, 12, 0);
    expect(periodRange({ days: 7 }, '15m', NOW)).toEqual({ fromMs: barOpen - 7 * DAY_MS, toMs: barOpen });
    expect(periodRange({ days: 7 }, '1d', NOW)).toEqual({ fromMs: Date.UTC(2026, 10, 23), toMs: Date.UTC(2026, 10, 30) });
    expect(periodRange({ from: '2026-01-01', to: '2026-01-31' }, '1h', NOW)).toEqual({
      fromMs: Date.UTC(2026, 0, 1),
      toMs: Date.UTC(2026, 1, 1),
    });
    // Ending today: up to the bar under way.
    expect(periodRange({ from: '2026-11-01', to: '2026-11-30' }, '4h', NOW).toMs).toBe(Date.UTC(2026, 10, 30, 12));
    expect(periodLabel({ days: 365 })).toBe('1 year');
    expect(periodLabel({ from: '2026-01-01', to: '2026-01-31' })).toBe('2026-01-01 → 2026-01-31');
  });

  it('an agent is tested with its own settings over 30 days; auto when its strategy is not fixed', () => {
    const agent = { ...AGENT_DEFAULTS, name: 'a', symbol: 'SOLUSDT', amountUsdt: 250, slPct: 2, strategy: null };
    const params = toBacktestParams(requestOfAgent(agent), NOW);
    expect(params).toMatchObject({ symbol: 'SOLUSDT', strategy: 'auto', amountUsdt: 250, slPct: 2, leverage: 5, timeframe: '15m' });
    expect(params.toMs - params.fromMs).toBe(30 * DAY_MS);
    expect(requestOfAgent({ ...agent, strategy: 'macd_signal' }).strategy).toBe('macd_signal');
  });
});
