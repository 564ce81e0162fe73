/**
 * The questions of the /backtest flow: the /create steps it shares (pair, timeframe, capital,
 * leverage, TP/SL, paper or live, from ./agent-steps.ts) and its own two, the strategy (one of
 * the library's or auto) and the period (7d / 30d / 90d / 1y, or two dates). Answers are read by
 * the same functions as the one-line form (./backtest-args.ts).
 */
import { InlineKeyboard } from 'grammy';
import { AUTO_STRATEGY, type BacktestStrategy } from '../hub/backtest/types.js';
import { STRATEGY_NAMES } from '../shared/strategy-names.js';
import {
  askCapital,
  askLeverage,
  askStopLoss,
  askSymbol,
  askTakeProfit,
  askTimeframe,
  askTpSlMode,
  FIELD_LABELS,
  type Draft,
  type StepEnv,
} from './agent-steps.js';
import { askLaunchMode } from './agent-key-steps.js';
import { BACKTEST_DEFAULTS, parsePeriod, PERIOD_PRESETS, strategyAnswer, type BacktestRequest, type PeriodSpec } from './backtest-args.js';
import type { Step } from './draft-review.js';
import { ask, invalid, valid } from './flow.js';

/** The answers so far: the agent fields of /create, and the strategy and period of the test. */
export interface BacktestDraft extends Draft {
  testStrategy?: BacktestStrategy;
  period?: PeriodSpec;
}

export async function askStrategy(env: StepEnv, draft: BacktestDraft): Promise<void> {
  const kb = new InlineKeyboard().text('🤖 auto: the rules planner picks', `f:strat:${AUTO_STRATEGY}`).row();
  STRATEGY_NAMES.forEach((name, i) => {
    kb.text(name, `f:strat:${name}`);
    if (i % 2 === 1) kb.row();
  });
  draft.testStrategy = await ask(env.conversation, env.ctx, env.flow, { text: '🧠 Which strategy should trade?', keyboard: kb }, (a) => {
    const raw = a.data?.startsWith('f:strat:') ? a.data.slice(8) : a.text;
    return raw ? strategyAnswer(raw) : invalid('Tap a strategy, or type its name, e.g. trend_following or auto.');
  });
}

export async function askPeriod(env: StepEnv, draft: BacktestDraft): Promise<void> {
  const now = await env.conversation.external(() => env.services.clock());
  const kb = new InlineKeyboard();
  for (const p of PERIOD_PRESETS) kb.text(p, `f:per:${p}`);
  kb.text('📅 Dates', 'f:per:custom');
  const question = { text: '🗓 Over which period? Tap one, type one (e.g. 45d), or choose dates.', keyboard: kb };
  const choice = await ask<PeriodSpec | 'custom'>(env.conversation, env.ctx, env.flow, question, (a) => {
    if (a.data === 'f:per:custom') return valid('custom');
    const raw = a.data?.startsWith('f:per:') ? a.data.slice(6) : a.text;
    return raw ? parsePeriod(raw, now) : invalid('Tap a period, or type one like 30d.');
  });
  if (choice !== 'custom') {
    draft.period = choice;
    return;
  }
  draft.period = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    { text: '📅 Type the first and the last day (UTC) as YYYY-MM-DD, e.g. 2024-01-01 2024-03-31. At most a year.' },
    (a) => (a.text ? parsePeriod(a.text, now) : invalid('Type two dates, e.g. 2024-01-01 2024-03-31.')),
  );
}

type BacktestField =
  'symbol' | 'timeframe' | 'testStrategy' | 'period' | 'amountUsdt' | 'leverage' | 'tpPct' | 'slPct' | 'tpSlMode' | 'liveMode';

export const BACKTEST_STEPS: ReadonlyArray<readonly [BacktestField, Step<BacktestDraft>]> = [
  ['symbol', askSymbol],
  ['timeframe', askTimeframe],
  ['testStrategy', askStrategy],
  ['period', askPeriod],
  ['amountUsdt', askCapital],
  ['leverage', askLeverage],
  ['tpPct', askTakeProfit],
  ['slPct', askStopLoss],
  ['tpSlMode', askTpSlMode],
  ['liveMode', askLaunchMode],
];

export const BACKTEST_LABELS: Partial<Record<BacktestField, string>> = { ...FIELD_LABELS, testStrategy: 'Strategy', period: 'Period' };

/** The request of a finished draft (every step answered); what the flow does not ask takes its default. */
export function requestOfDraft(d: BacktestDraft): BacktestRequest {
  const b = BACKTEST_DEFAULTS;
  return {
    symbol: d.symbol ?? b.symbol,
    timeframe: d.timeframe ?? b.timeframe,
    strategy: d.testStrategy ?? b.strategy,
    period: d.period ?? b.period,
    amountUsdt: d.amountUsdt ?? b.amountUsdt,
    leverage: d.leverage ?? b.leverage,
    tpPct: d.tpPct ?? null,
    slPct: d.slPct ?? null,
    tpSlMode: d.tpSlMode ?? b.tpSlMode,
    riskProfile: d.riskProfile ?? b.riskProfile,
    maxSessionLossPct: b.maxSessionLossPct,
    liveMode: d.liveMode ?? false,
  };
}
