/**
 * The questions about an agent's fields, shared by /create and /edit. Each asks until the
 * answer passes the hub's own validation (`validateField`), so the bot and the HTTP API refuse
 * the same things with the same words. The questions that may ask for a key (LLM provider,
 * paper or live) live in ./agent-key-steps.ts.
 */
import { InlineKeyboard } from 'grammy';
import { validateField, type AgentInput } from '../hub/agents/agent-input.js';
import { HubError } from '../hub/errors.js';
import { POPULAR_SYMBOLS, tradableSymbol } from '../hub/market/symbols.js';
import { stopLossPastLiquidation } from '../shared/liquidation.js';
import { INTERVALS } from '../shared/market.js';
import type { FlowArgs, FlowContext, FlowConversation } from './context.js';
import { ask, invalid, valid, type Answer, type Parsed } from './flow.js';
import { escapeHtml } from './format.js';
import type { BotServices } from './services.js';

export type Draft = Partial<AgentInput>;

/** Runs the hub's validation of one field and turns a refusal into a chat message. */
export function check<K extends keyof AgentInput>(field: K, value: AgentInput[K], maxLeverage: number): Parsed<AgentInput[K]> {
  try {
    return valid(validateField(field, value, { maxLeverage }));
  } catch (error) {
    return invalid(error instanceof HubError ? error.userMessage : 'That value is not valid.');
  }
}

/** `"1,000 usdt"` → 1000; `"2.5%"` → 2.5. */
export function parseNumber(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const cleaned = text.replace(/usdt|usd|%|x$/gi, '').replace(/[,_\s]/g, '');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  return Number(cleaned);
}

function numberAnswer(a: Answer, prefix: string): number | undefined {
  if (a.data?.startsWith(prefix)) return Number(a.data.slice(prefix.length));
  return parseNumber(a.text);
}

export interface StepEnv {
  conversation: FlowConversation;
  ctx: FlowContext;
  flow: string;
  services: BotServices;
  args: FlowArgs;
}

/**
 * A pair the trader typed or tapped, as a canonical id the active market data serves; the refusal
 * says what was wrong and what to type. Shared by the symbol step and the one-line /backtest.
 */
export function symbolAnswer(raw: string, supportedSymbols: ReadonlySet<string>): Parsed<string> {
  try {
    return valid(tradableSymbol(raw, supportedSymbols));
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    return invalid(escapeHtml(error.userMessage));
  }
}

/** The hub's leverage rule, and a stop-loss already set must stay short of liquidation at the new leverage. */
export function leverageAnswer(n: number, maxLeverage: number, slPct: number | null | undefined): Parsed<number> {
  const checked = check('leverage', n, maxLeverage);
  const past = checked.ok && slPct != null ? stopLossPastLiquidation(slPct, checked.value) : null;
  return past ? invalid(past) : checked;
}

/** The hub's stop-loss rule, and the stop must fire before the liquidation at `leverage`. */
export function stopLossAnswer(n: number, leverage: number, maxLeverage: number): Parsed<number | null> {
  const checked = check('slPct', n, maxLeverage);
  const past = checked.ok && checked.value !== null ? stopLossPastLiquidation(checked.value, leverage) : null;
  return past ? invalid(past) : checked;
}

export async function askSymbol(env: StepEnv, draft: Draft): Promise<void> {
  const { supportedSymbols } = env.services;
  const kb = new InlineKeyboard();
  POPULAR_SYMBOLS.filter((s) => supportedSymbols.has(s.id)).forEach((s, i) => {
    kb.text(`${s.base}/${s.quote}`, `f:sym:${s.id}`);
    if (i % 4 === 3) kb.row();
  });
  kb.row().text('⌨️ Type another', 'f:sym:other');
  draft.symbol = await ask(env.conversation, env.ctx, env.flow, { text: '📈 Which pair should the agent trade?', keyboard: kb }, (a) => {
    if (a.data === 'f:sym:other') return invalid('Type the pair, e.g. ARBUSDT, arb/usdt or ARB.');
    const raw = a.data?.startsWith('f:sym:') ? a.data.slice(6) : a.text;
    return raw ? symbolAnswer(raw, supportedSymbols) : invalid('Tap a pair or type one, e.g. BTCUSDT.');
  });
}

export async function askName(env: StepEnv, draft: Draft, currentName?: string): Promise<void> {
  const taken = await env.conversation.external(async () =>
    (await env.services.hub.agents.list(env.args.userId)).map((a) => a.name.toLowerCase()),
  );
  const base = (draft.symbol ?? 'agent').replace(/USDT$|USDC$/, '').toLowerCase();
  let suggestion = `${base}-agent`;
  for (let i = 2; taken.includes(suggestion); i++) suggestion = `${base}-agent-${i}`;
  const kb = new InlineKeyboard().text(`Use "${suggestion}"`, 'f:name:default');
  draft.name = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    { text: '🏷 Name the agent (letters, digits, dashes; up to 32).', keyboard: kb },
    (a) => {
      const name = a.data === 'f:name:default' ? suggestion : a.text;
      if (!name) return invalid('Type a name, or tap the suggestion.');
      const checked = check('name', name, env.services.maxLeverage);
      if (!checked.ok) return checked;
      if (taken.includes(checked.value.toLowerCase()) && checked.value.toLowerCase() !== currentName?.toLowerCase()) {
        return invalid(`You already have an agent named "${escapeHtml(checked.value)}". Choose another name.`);
      }
      return checked;
    },
  );
}

export async function askCapital(env: StepEnv, draft: Draft): Promise<void> {
  const kb = new InlineKeyboard().text('100', 'f:amt:100').text('500', 'f:amt:500').text('1000', 'f:amt:1000');
  draft.amountUsdt = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    { text: '💵 How much capital in USDT (10 – 1,000,000)?', keyboard: kb },
    (a) => {
      const n = numberAnswer(a, 'f:amt:');
      return n === undefined ? invalid('Capital must be a number of USDT, e.g. 500.') : check('amountUsdt', n, env.services.maxLeverage);
    },
  );
}

export async function askLeverage(env: StepEnv, draft: Draft): Promise<void> {
  const max = env.services.maxLeverage;
  const kb = new InlineKeyboard();
  for (const n of [1, 2, 3, 5, 10, 20, 50].filter((n) => n <= max)) kb.text(n === 5 ? '5x (default)' : `${n}x`, `f:lev:${n}`);
  draft.leverage = await ask(env.conversation, env.ctx, env.flow, { text: `⚖️ Leverage, 1 – ${max}x? (default 5x)`, keyboard: kb }, (a) => {
    const n = numberAnswer(a, 'f:lev:');
    if (n === undefined) return invalid(`Leverage must be a whole number from 1 to ${max}, e.g. 5.`);
    // Changed from the summary after the stop-loss was set: the stop must stay short of liquidation.
    return leverageAnswer(n, max, draft.slPct);
  });
}

export async function askRisk(env: StepEnv, draft: Draft): Promise<void> {
  const kb = new InlineKeyboard()
    .text('🛡 Conservative', 'f:risk:conservative')
    .text('⚖️ Moderate', 'f:risk:moderate')
    .text('🔥 Aggressive', 'f:risk:aggressive');
  draft.riskProfile = await ask(env.conversation, env.ctx, env.flow, { text: '🎚 Risk profile?', keyboard: kb }, (a) => {
    const v = (a.data?.startsWith('f:risk:') ? a.data.slice(7) : a.text?.toLowerCase()) as AgentInput['riskProfile'];
    return check('riskProfile', v, env.services.maxLeverage);
  });
}

export async function askTimeframe(env: StepEnv, draft: Draft): Promise<void> {
  const kb = new InlineKeyboard();
  for (const tf of INTERVALS) kb.text(tf, `f:tf:${tf}`);
  draft.timeframe = await ask(env.conversation, env.ctx, env.flow, { text: '⏱ Candle timeframe?', keyboard: kb }, (a) =>
    check(
      'timeframe',
      (a.data?.startsWith('f:tf:') ? a.data.slice(5) : (a.text?.toLowerCase() ?? '')) as AgentInput['timeframe'],
      env.services.maxLeverage,
    ),
  );
}

export async function askTakeProfit(env: StepEnv, draft: Draft): Promise<void> {
  const kb = new InlineKeyboard().text('Skip', 'f:tp:skip');
  draft.tpPct = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    { text: '🎯 Take-profit in % of the entry price (e.g. 2.5), or skip.', keyboard: kb },
    (a) => {
      if (a.data === 'f:tp:skip' || a.text?.toLowerCase() === 'skip') return valid(null);
      const n = parseNumber(a.text);
      return n === undefined ? invalid('Take-profit must be a percent like 2.5, or skip.') : check('tpPct', n, env.services.maxLeverage);
    },
  );
}

export async function askStopLoss(env: StepEnv, draft: Draft): Promise<void> {
  const kb = new InlineKeyboard().text('Skip', 'f:sl:skip');
  const leverage = draft.leverage ?? 5;
  draft.slPct = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    { text: '🛑 Stop-loss in % of the entry price (e.g. 1.5), or skip.', keyboard: kb },
    (a) => {
      if (a.data === 'f:sl:skip' || a.text?.toLowerCase() === 'skip') return valid(null);
      const n = parseNumber(a.text);
      return n === undefined
        ? invalid('Stop-loss must be a percent like 1.5, or skip.')
        : stopLossAnswer(n, leverage, env.services.maxLeverage);
    },
  );
}

export async function askTpSlMode(env: StepEnv, draft: Draft): Promise<void> {
  const kb = new InlineKeyboard().text('📌 Fixed', 'f:mode:fixed').text('📐 Dynamic (ATR)', 'f:mode:dynamic');
  draft.tpSlMode = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    { text: 'TP/SL mode: fixed percentages, or dynamic from volatility (ATR)?', keyboard: kb },
    (a) =>
      check(
        'tpSlMode',
        (a.data?.startsWith('f:mode:') ? a.data.slice(7) : a.text?.toLowerCase()) as AgentInput['tpSlMode'],
        env.services.maxLeverage,
      ),
  );
}

export { askProvider, askTradingMode } from './agent-key-steps.js';

export const FIELD_LABELS: Partial<Record<keyof AgentInput, string>> = {
  symbol: 'Pair',
  name: 'Name',
  amountUsdt: 'Capital',
  leverage: 'Leverage',
  riskProfile: 'Risk',
  timeframe: 'Timeframe',
  tpPct: 'Take-profit',
  slPct: 'Stop-loss',
  tpSlMode: 'TP/SL mode',
  llmProvider: 'LLM',
  llmDailyBudgetUsd: 'LLM budget',
  liveMode: 'Paper/live',
};

export function draftSummary(d: Draft): string {
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'none' : `${v}%`);
  return [
    `Pair: <b>${escapeHtml(d.symbol ?? '?')}</b>`,
    `Name: <b>${escapeHtml(d.name ?? '?')}</b>`,
    `Capital: ${d.amountUsdt} USDT · Leverage ${d.leverage}x`,
    `Risk: ${d.riskProfile} · Timeframe ${d.timeframe}`,
    ...(d.strategy ? [`Strategy: <b>${escapeHtml(d.strategy)}</b> (fixed)`] : []),
    `Take-profit ${pct(d.tpPct)} · Stop-loss ${pct(d.slPct)} · ${d.tpSlMode === 'dynamic' ? 'dynamic (ATR)' : 'fixed'}`,
    `LLM: ${d.llmProvider ?? 'none (rules only)'}${d.llmDailyBudgetUsd ? ` · budget $${d.llmDailyBudgetUsd.toFixed(2)}/day` : ''}`,
    `Mode: ${d.liveMode ? '💰 LIVE on HashKey' : '📝 paper'}`,
  ].join('\n');
}
