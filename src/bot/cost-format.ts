/**
 * LLM cost as the chat shows it: tokens as `12.3k`, money as `$0.04`. A cost with tokens of
 * unpriced models in it is a lower bound (`≥$0.04`), and one made only of them is unknown (`—`):
 * never a made-up number.
 */
import type { AgentCostRow, OwnerCosts, UsageFigures } from '../hub/llm/cost-report.js';
import { escapeHtml } from './format.js';

/** `950`, `12.3k`, `4.5M`. */
export function fmtTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** `$0.04`; below a cent `$0.0042`; `≥$0.04` when part is unpriced, `—` when all of it is. */
export function fmtUsd(f: Pick<UsageFigures, 'costUsd' | 'unpricedTokens'>): string {
  if (f.unpricedTokens > 0 && f.costUsd === 0) return '—';
  const digits = f.costUsd > 0 && f.costUsd < 0.01 ? 4 : 2;
  const money = `$${f.costUsd.toFixed(digits)}`;
  return f.unpricedTokens > 0 ? `≥${money}` : money;
}

/**
 * The agent card's line: `LLM use: 12.3k tokens · $0.04 today · $1.20 total · budget $1.00/day`
 * (`tokens`: all time, from the agent row); undefined for an agent that never used an LLM and has no budget.
 */
export function cardCostLine(tokens: number, row: AgentCostRow | undefined): string | undefined {
  if (tokens === 0 && row?.budgetUsd == null) return undefined;
  if (!row) return `LLM use: ${fmtTokens(tokens)} tokens`;
  const budget = row.budgetUsd === null ? '' : ` · budget $${row.budgetUsd.toFixed(2)}/day`;
  return `LLM use: ${fmtTokens(tokens)} tokens · ${fmtUsd(row.today)} today · ${fmtUsd(row.total)} total${budget}`;
}

/** The /costs message: one block per agent, then the caller's totals. */
export function costsText(c: OwnerCosts): string[] {
  const lines = [`💸 <b>LLM costs</b> (today = ${c.day} UTC)`];
  for (const a of c.agents) {
    const budget = a.budgetUsd === null ? 'no budget' : `budget $${a.budgetUsd.toFixed(2)}/day`;
    lines.push(
      `<b>${escapeHtml(a.name)}</b> · ${budget}\n` +
        `  today ${fmtTokens(a.today.tokens)} tokens · ${fmtUsd(a.today)}\n` +
        `  all time ${fmtTokens(a.total.tokens)} tokens · ${fmtUsd(a.total)}`,
    );
  }
  if (c.agents.length > 1) {
    lines.push(
      `<b>Total</b>: today ${fmtTokens(c.today.tokens)} tokens · ${fmtUsd(c.today)} · all time ${fmtTokens(c.total.tokens)} tokens · ${fmtUsd(c.total)}`,
    );
  }
  lines.push(`<i>List prices of ${c.pricesDate} unless the operator set LLM_PRICES; — means a model without a price.</i>`);
  return lines;
}
