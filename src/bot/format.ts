/**
 * Text the bot sends, in Telegram HTML (the only parse mode we use): escaping, number and
 * PnL formatting, agent cards and log lines, and splitting below Telegram's 4096-character limit.
 */
import type { AgentView } from '../hub/agents/agent-view.js';
import type { LogEntryWire, OrderResult } from '../shared/wire.js';

/** Telegram refuses texts above 4096 characters; stay a little below. */
export const MESSAGE_LIMIT = 4000;

/** Escapes `&`, `<`, `>` (all that Telegram HTML needs outside attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function fmtNumber(n: number, maxDigits = 2): string {
  const digits = Math.abs(n) >= 1000 ? Math.min(maxDigits, 2) : Math.abs(n) >= 1 ? maxDigits : 6;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** `+12.50` / `−3.20` (quote currency). */
export function fmtPnl(n: number): string {
  const abs = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return n > 0 ? `+${abs}` : n < 0 ? `−${abs}` : abs;
}

export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${s}s`;
}

export const STATUS_ICON: Record<AgentView['status'], string> = {
  created: '⚪',
  starting: '⏳',
  running: '🟢',
  stopping: '⏳',
  stopped: '⏸',
  failed: '🔴',
};

export function isActive(agent: Pick<AgentView, 'status'>): boolean {
  return agent.status === 'running' || agent.status === 'starting' || agent.status === 'stopping';
}

function tpSl(agent: Pick<AgentView, 'tpPct' | 'slPct' | 'tpSlMode'>): string {
  if (agent.tpPct === null && agent.slPct === null) return agent.tpSlMode === 'dynamic' ? 'dynamic (ATR)' : 'none';
  const tp = agent.tpPct === null ? 'TP —' : `TP ${agent.tpPct}%`;
  const sl = agent.slPct === null ? 'SL —' : `SL ${agent.slPct}%`;
  return `${tp} · ${sl} (${agent.tpSlMode === 'dynamic' ? 'dynamic ATR' : 'fixed'})`;
}

/** True for an agent that is not running yet holds a position: nothing manages it (no TP/SL). */
export function holdsPositionStopped(a: Pick<AgentView, 'status' | 'position'>): boolean {
  return !isActive(a) && a.position !== null;
}

/** `long 0.0499 BTCUSDT @ 100.1` (qty in base units, price in quote currency). */
export function positionSummary(symbol: string, p: NonNullable<AgentView['position']>): string {
  return `${p.side} ${fmtNumber(p.qty, 6)} ${escapeHtml(symbol)} @ ${fmtNumber(p.entryPrice)}`;
}

/** `long closed at 100.2 · PnL −0.31 USDT` (PnL net of fees, quote currency). */
export function closeSummary(closed: Pick<OrderResult, 'side' | 'price' | 'pnl'>): string {
  return `${closed.side} closed at ${fmtNumber(closed.price)} · PnL ${fmtPnl(closed.pnl ?? 0)} USDT`;
}

/** One line of /agents. */
export function agentLine(a: AgentView): string {
  const pnl = a.realizedPnl + a.unrealizedPnl;
  const held = holdsPositionStopped(a) ? ' · ⚠️ position open' : '';
  const paused = a.paused ? ' · ⏸ paused' : '';
  return `${STATUS_ICON[a.status]} <b>${escapeHtml(a.name)}</b> · ${escapeHtml(a.symbol)}${held}${paused} · PnL ${fmtPnl(pnl)} USDT · <code>${a.shortId}</code>`;
}

/** The /agent detail card. `now` in ms (injected clock). */
export function agentCard(a: AgentView, now: number): string {
  const lines = [`${STATUS_ICON[a.status]} <b>${escapeHtml(a.name)}</b> · ${escapeHtml(a.symbol)} · <code>${a.shortId}</code>`];
  let status = `Status: ${a.status}`;
  if (a.status === 'running' && a.startedAt) status += ` · up ${fmtDuration(now - Date.parse(a.startedAt))}`;
  if (a.statusReason && a.status !== 'running') status += ` — ${escapeHtml(a.statusReason)}`;
  lines.push(status);
  if (a.paused) lines.push('⏸ paused (entries off)');
  lines.push(`Mode: ${a.liveMode ? '💰 live (HashKey)' : '📝 paper'}`);
  lines.push(`Capital ${fmtNumber(a.amountUsdt)} USDT · ${a.leverage}x · ${a.riskProfile} · ${a.timeframe}`);
  lines.push(`TP/SL: ${tpSl(a)}`);
  lines.push(`LLM: ${a.llmProvider ?? 'none (rules only)'}${a.strategy ? ` · strategy ${escapeHtml(a.strategy)}` : ''}`);
  if (a.position) {
    const p = a.position;
    let pos = `Position: ${p.side} ${fmtNumber(p.qty, 6)} @ ${fmtNumber(p.entryPrice)}`;
    if (p.liquidationPrice !== null) pos += ` · liq ${fmtNumber(p.liquidationPrice)}`;
    if (p.tpPrice !== null || p.slPrice !== null)
      pos += ` · TP ${p.tpPrice === null ? '—' : fmtNumber(p.tpPrice)} / SL ${p.slPrice === null ? '—' : fmtNumber(p.slPrice)}`;
    lines.push(pos);
    if (holdsPositionStopped(a))
      lines.push('⚠️ Stopped with this position open: nothing manages it until you start the agent or close it.');
  } else {
    lines.push('Position: flat');
  }
  lines.push(`Price: ${a.lastPrice === null ? '—' : fmtNumber(a.lastPrice)}`);
  lines.push(`PnL: unrealized ${fmtPnl(a.unrealizedPnl)} · realized ${fmtPnl(a.realizedPnl)} USDT`);
  lines.push(`Strategy now: ${a.activeStrategy ? escapeHtml(a.activeStrategy) : '—'}`);
  lines.push(`Last action: ${a.lastAction ? escapeHtml(a.lastAction) : '—'}`);
  if (a.lastStatusAt) lines.push(`<i>Updated ${fmtDuration(now - Date.parse(a.lastStatusAt))} ago</i>`);
  return lines.join('\n');
}

const LEVEL_ICON: Record<LogEntryWire['level'], string> = { debug: '·', info: 'ℹ️', warn: '⚠️', error: '❌' };

/** One log line in HTML: `<code>12:00:01</code> ⚠️ message`. */
export function logLine(e: LogEntryWire): string {
  const time = e.ts.slice(11, 19);
  return `<code>${time}</code> ${LEVEL_ICON[e.level]} ${escapeHtml(e.message)}`;
}

/** Cuts HTML text at `limit` without splitting an entity like `&amp;`. */
function cutHtml(text: string, limit: number): [string, string] {
  let at = limit;
  const amp = text.lastIndexOf('&', at);
  if (amp !== -1 && amp > at - 6 && !text.slice(amp, at).includes(';')) at = amp;
  return [text.slice(0, at), text.slice(at)];
}

/**
 * Joins lines into messages no longer than `limit`, breaking between lines; a single line
 * longer than the limit is cut (never inside an HTML entity). Lines must not open tags they
 * do not close.
 */
export function splitMessages(lines: string[], limit = MESSAGE_LIMIT, header = ''): string[] {
  const out: string[] = [];
  let current = header;
  const push = () => {
    if (current.trim()) out.push(current);
    current = '';
  };
  for (let line of lines) {
    while (line.length > limit) {
      push();
      const [head, rest] = cutHtml(line, limit);
      out.push(head);
      line = rest;
    }
    if (current.length + line.length + 1 > limit) push();
    current = current ? `${current}\n${line}` : line;
  }
  push();
  return out;
}
