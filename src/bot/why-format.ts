/**
 * The text of 🤔 Why? in Telegram HTML: the strategy signals the agent read before the trade, the
 * planner's and the supervisor's reasoning and confidence, and the LLM behind each (provider,
 * model, tokens, cost). A rules-planner decision says plainly that no LLM was asked. Reasoning is
 * clipped so the whole always fits one message.
 */
import type { TradeWhyView } from '../hub/analytics/trade-history.js';
import type { WhyDecisionView, WhyLlmView } from '../hub/analytics/trade-why.js';
import { clip } from './alert-format.js';
import { escapeHtml, fmtNumber } from './format.js';

/** Characters of each decision's reasoning shown (the whole stays under Telegram's limit). */
export const WHY_REASONING_CHARS = 500;

export const FALLBACK_LABEL =
  'ℹ️ This trade names no decision (an agent older than the decision record): shown is the agent’s latest decision at or before the open.';

/** `+0.52`, `−0.30`, `0.00` on the shared [-1, 1] scale. */
function signed(value: number): string {
  const text = Math.abs(value).toFixed(2);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : ` ${text}`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** `openai gpt-4o-mini · 812 + 64 tokens · $0.0002` (cost "unknown" without a price). */
export function llmLine(llm: WhyLlmView): string {
  const cost = llm.costUsd === null ? 'cost unknown' : `$${fmtNumber(llm.costUsd, 6)}`;
  return `${escapeHtml(llm.provider)} <code>${escapeHtml(llm.model)}</code> · ${llm.promptTokens} + ${llm.completionTokens} tokens · ${cost}`;
}

/** Who made a planner decision, in the trader's words. */
function plannerTitle(d: WhyDecisionView): string {
  if (d.action !== 'PLAN') return `Decision ${escapeHtml(d.action)}`;
  if (d.source === 'rules') return 'Rules planner (no LLM)';
  if (d.source === 'config') return 'Strategy set in the agent config (no LLM)';
  if (d.source === 'llm') return 'LLM planner';
  return 'Planner';
}

function reasoning(d: WhyDecisionView): string {
  return d.reasoning.trim() ? escapeHtml(clip(d.reasoning.trim(), WHY_REASONING_CHARS)) : '<i>no reasoning given</i>';
}

function plannerLines(view: TradeWhyView): string[] {
  const d = view.planner;
  if (!d) return ['🧭 No decision of the agent is on record for this trade (none was made, or it is older than the retention).'];
  const strategy = d.strategy ? ` · strategy <code>${escapeHtml(d.strategy)}</code>` : '';
  const lines = [`🧭 <b>${plannerTitle(d)}</b>: ${reasoning(d)}`, `Confidence ${percent(d.confidence)}${strategy}`];
  if (d.llm) lines.push(`🧠 ${llmLine(d.llm)}`);
  if (view.basis === 'fallback') lines.unshift(FALLBACK_LABEL);
  return lines;
}

function signalLines(view: TradeWhyView): string[] {
  if (!view.signals.length) return ['📶 No strategy signals were recorded with this order.'];
  const planned = view.planner?.strategy;
  const width = Math.max(...view.signals.map((s) => s.name.length));
  const rows = view.signals.map((s) => `${s.name.padEnd(width)} ${signed(s.value)}${s.name === planned ? '  ◀ traded' : ''}`);
  return ['📶 <b>Strategy signals</b> before the open (−1 sell … +1 buy):', `<pre>${escapeHtml(rows.join('\n'))}</pre>`];
}

function supervisorLines(view: TradeWhyView): string[] {
  if (!view.supervisor.length) return ['🛡 The supervisor gave no verdict on this trade.'];
  const lines = ['🛡 <b>Supervisor</b> (latest first):'];
  for (const d of view.supervisor) {
    lines.push(`• <b>${escapeHtml(d.action)}</b> ${percent(d.confidence)}: ${reasoning(d)}`);
    if (d.llm) lines.push(`  🧠 ${llmLine(d.llm)}`);
  }
  return lines;
}

/** The whole 🤔 Why? message of a trade. */
export function tradeWhyText(view: TradeWhyView): string {
  const t = view.trade;
  const head = `🤔 <b>Why</b> ${t.side.toUpperCase()} ${escapeHtml(t.symbol)} · <b>${escapeHtml(t.agentName)}</b> · trade <code>${t.shortId}</code>`;
  return [head, '', ...plannerLines(view), '', ...signalLines(view), '', ...supervisorLines(view)].join('\n');
}
