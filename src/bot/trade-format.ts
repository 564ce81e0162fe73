/**
 * Trade texts in Telegram HTML: one line per trade for /trades (pages of lines, each page split
 * below the message limit into parts, so nothing is ever cut) and the full card of /trade with
 * the decision behind the trade and its chain links. Times are UTC and say so.
 */
import type { TradeDetailView, TradePage, TradeView } from '../hub/analytics/trade-history.js';
import { clip, link } from './alert-format.js';
import { escapeHtml, fmtDuration, fmtNumber, fmtPnl, MESSAGE_LIMIT, splitMessages } from './format.js';

/** Characters of the decision's reasoning the card shows. */
export const REASONING_PREVIEW_CHARS = 300;

/** Room kept for the header of each part of a page. */
const HEADER_ROOM = 400;

/** `2026-11-30 12:00` (UTC) of an ISO timestamp. */
function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function outcomeIcon(t: TradeView): string {
  if (t.status === 'open') return '⏳';
  return (t.pnl ?? 0) >= 0 ? '🟢' : '🔴';
}

/** One line of /trades; `withAgent` adds the agent's name (a list over several agents). */
export function tradeLine(t: TradeView, withAgent: boolean): string {
  const who = withAgent ? ` <b>${escapeHtml(t.agentName)}</b>` : '';
  const size = `${t.side} ${fmtNumber(t.qty, 6)} ${escapeHtml(t.symbol)} @ ${fmtNumber(t.entryPrice)}`;
  const result =
    t.status === 'open' ? '<b>open</b>' : `→ ${t.exitPrice === null ? '—' : fmtNumber(t.exitPrice)} · ${fmtPnl(t.pnl ?? 0)} USDT`;
  return `${outcomeIcon(t)} <code>${t.shortId}</code>${who} · ${size} ${result} · ${utcMinute(t.openedAt)}`;
}

/** What a list is of: one agent's trades (its name) or all the caller's. */
function listTitle(agentName: string | undefined): string {
  return agentName ? `📒 Trades of <b>${escapeHtml(agentName)}</b>` : '📒 Your trades';
}

/** The text when the scope holds no trade at all. */
export function noTradesText(agentName: string | undefined): string {
  return agentName ? `<b>${escapeHtml(agentName)}</b> has no trades yet.` : 'You have no trades yet. /agents shows your agents.';
}

/**
 * The parts of one page: its lines split below the message limit, each with the page header.
 * Usually one part; a page of many long lines becomes several, paged like pages.
 */
export function tradePageParts(page: TradePage, agentName: string | undefined): string[] {
  const first = page.page * page.pageSize + 1;
  const last = first + page.trades.length - 1;
  const chunks = splitMessages(
    page.trades.map((t) => tradeLine(t, agentName === undefined)),
    MESSAGE_LIMIT - HEADER_ROOM,
  );
  return chunks.map((chunk, i) => {
    const part = chunks.length > 1 ? ` · part ${i + 1}/${chunks.length}` : '';
    const header =
      `${listTitle(agentName)} · ${first}–${last} of ${page.total} · page ${page.page + 1}/${page.pages}${part}\n` +
      '<i>Newest first, times UTC, ⏳ open. /trade &lt;id&gt; shows one in full.</i>';
    return `${header}\n${chunk}`;
  });
}

function decisionLines(d: TradeDetailView['decision']): string[] {
  if (!d) return ['🧠 No decision on record before this trade (none was made, or it is older than the retention).'];
  const strategy = d.strategy ? ` · ${escapeHtml(d.strategy)}` : '';
  const lines = [
    `🧠 Decision behind it (${utcMinute(d.createdAt)}): <b>${escapeHtml(d.action)}</b>${strategy} · confidence ${Math.round(d.confidence * 100)}%`,
  ];
  if (d.reasoning.trim()) lines.push(`<i>${escapeHtml(clip(d.reasoning.trim(), REASONING_PREVIEW_CHARS))}</i>`);
  return lines;
}

function chainLine(chain: TradeDetailView['chain']): string | null {
  if (!chain.length) return null;
  const txs = chain.map((e) => (e.explorerUrl ? link(e.explorerUrl, `${e.event} tx`) : `${e.event} <code>${escapeHtml(e.txHash)}</code>`));
  return `⛓ Logged on HashKey Chain: ${txs.join(' · ')}`;
}

/** The /trade card (well below the message limit: the reasoning is clipped). */
export function tradeCard(t: TradeDetailView): string {
  const lines = [
    `${outcomeIcon(t)} Trade <code>${t.shortId}</code> · <b>${escapeHtml(t.agentName)}</b> · ${escapeHtml(t.symbol)}`,
    `${t.side.toUpperCase()} · ${t.status} · ${t.live ? '💰 live' : '📝 paper'}`,
    `Entry ${fmtNumber(t.entryPrice)} · exit ${t.exitPrice === null ? '—' : fmtNumber(t.exitPrice)} USDT`,
    `Size ${fmtNumber(t.qty, 6)} · ${t.leverage}x · margin ${fmtNumber(t.margin)} USDT` +
      (t.liquidationPrice === null ? '' : ` · liq ${fmtNumber(t.liquidationPrice)}`),
    `Fees ${fmtNumber(t.fees, 4)} USDT · PnL ${t.pnl === null ? '— (open)' : `${fmtPnl(t.pnl)} USDT`}`,
  ];
  if (t.closeReason) lines.push(`Reason: ${escapeHtml(t.closeReason)}`);
  const held = t.closedAt
    ? ` · closed ${utcMinute(t.closedAt)} (held ${fmtDuration(Date.parse(t.closedAt) - Date.parse(t.openedAt))})`
    : '';
  lines.push(`Opened ${utcMinute(t.openedAt)}${held} UTC`);
  lines.push(...decisionLines(t.decision));
  const chain = chainLine(t.chain);
  if (chain) lines.push(chain);
  lines.push(`Id <code>${t.id}</code>`);
  return lines.join('\n');
}
