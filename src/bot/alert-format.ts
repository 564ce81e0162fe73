/**
 * Alert texts in Telegram HTML (parse_mode `HTML`). Everything that comes from an agent, a user
 * or an exchange is escaped; only our own tags remain. Also the pieces the outbound queue adds:
 * the merged-burst summary ("+5 more fills") and the delay note ("⏱ delayed 3 min").
 */
import { ALERT_TYPE_INFO, isAlertType, isLiquidation, tpSlKind } from '../hub/alerts/alert-types.js';
import type { AlertEvent, AlertEventName } from '../hub/alerts/alert-router.js';
import type { OperatorAlert } from '../hub/alerts/operator-alerts.js';
import type { HubEventMap } from '../hub/events.js';

/** Telegram's limit for one message's text (characters after entity parsing; we count raw). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Escapes text for Telegram HTML (element content and attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Cuts plain text to `max` characters with an ellipsis (before escaping, so no entity is split). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Prices and sizes: up to 8 significant decimals for small numbers, grouped thousands. */
export function formatNumber(value: number, maxDecimals = 8): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const decimals = abs >= 1000 ? 2 : abs >= 1 ? 4 : maxDecimals;
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/** Signed quote-currency amount: `+12.34 USDT`, `−3.10 USDT`. */
export function formatPnl(value: number, quote = 'USDT'): string {
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${quote}`;
}

/** Quote currency of a symbol like `BTCUSDT` / `BTC/USDT` (USDT when unknown). */
function quoteOf(symbol: string): string {
  const m = /(USDT|USDC|USD|BTC|ETH)$/i.exec(symbol.replace(/[/_-]/g, ''));
  return m ? m[1]!.toUpperCase() : 'USDT';
}

const b = (s: string) => `<b>${escapeHtml(s)}</b>`;
const code = (s: string) => `<code>${escapeHtml(s)}</code>`;

function agentLabel(data: { agentName: string; agentId: string }): string {
  return `${b(data.agentName)} ${code(data.agentId.slice(0, 8))}`;
}

export function link(url: string, label: string): string {
  // Only http(s) links; anything else is shown as text.
  if (!/^https?:\/\//i.test(url)) return escapeHtml(url);
  return `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
}

type TradeData = HubEventMap['trade.opened'];

/** An opened or closed trade: the headline says how it closed (liquidation, take-profit, stop-loss or the agent). */
function tradeLines(name: 'trade.opened' | 'trade.closed', d: TradeData): string[] {
  const lines: string[] = [];
  const quote = quoteOf(d.symbol);
  const side = d.side === 'long' ? '🟢 LONG' : '🔴 SHORT';
  const mode = d.live ? 'live' : 'paper';
  const liquidated = name === 'trade.closed' && isLiquidation(d.reason);
  const hit = name === 'trade.closed' && !liquidated ? tpSlKind(d.reason) : null;
  if (name === 'trade.opened') {
    lines.push(`📈 ${agentLabel(d)} opened ${side} ${escapeHtml(d.symbol)}`);
  } else if (liquidated) {
    lines.push(`💥 Liquidated — ${agentLabel(d)} ${side} ${escapeHtml(d.symbol)} closed at its liquidation price`);
  } else if (hit) {
    lines.push(`${hit === 'tp' ? '🎯 Take-profit' : '🛑 Stop-loss'} hit — ${agentLabel(d)} closed ${side} ${escapeHtml(d.symbol)}`);
  } else {
    lines.push(`📉 ${agentLabel(d)} closed ${side} ${escapeHtml(d.symbol)}`);
  }
  lines.push(
    `Size ${code(formatNumber(d.qty))} @ ${code(formatNumber(d.price))} ${escapeHtml(quote)} · fees ${escapeHtml(formatNumber(d.fees, 4))} · ${mode}`,
  );
  if (d.pnl !== null) lines.push(`PnL ${b(formatPnl(d.pnl, quote))}`);
  if (liquidated) lines.push('The price crossed the liquidation price: closed there, the loss is capped at the margin plus fees.');
  else if (!hit) lines.push(`Reason: ${escapeHtml(clip(d.reason, 200))}`);
  if (d.explorerUrl) lines.push(link(d.explorerUrl, 'View on chain'));
  return lines;
}

function crashLines(d: HubEventMap['agent.crashed']): string[] {
  const why = d.oom ? 'out of memory' : d.exitCode !== null ? `exit code ${d.exitCode}` : 'no exit code';
  const lines = [`💥 ${agentLabel(d)} crashed (${escapeHtml(why)})`];
  if (d.reason) lines.push(`Reason: ${escapeHtml(clip(d.reason, 300))}`);
  lines.push(d.willRestart ? 'Restarting it…' : 'It will not be restarted; send /agents to check it.');
  appendLogs(lines, d.lastLogs);
  return lines;
}

/** The lines of each alert, by event name. */
const ALERT_LINES: { [K in AlertEventName]: (data: HubEventMap[K], name: K) => string[] } = {
  'trade.opened': (d, name) => tradeLines(name, d),
  'trade.closed': (d, name) => tradeLines(name, d),
  'trade.onchain': (d) => {
    const side = d.side === 'long' ? 'LONG' : 'SHORT';
    const tx = d.explorerUrl ? link(d.explorerUrl, 'tx') : code(d.txHash);
    return [`⛓ ${agentLabel(d)} ${d.action} ${side} ${escapeHtml(d.symbol)} logged on HashKey Chain: ${tx}`];
  },
  'decision.made': (d) => {
    const pct = Math.round((d.confidence <= 1 ? d.confidence * 100 : d.confidence) * 10) / 10;
    const lines = [
      `🧠 ${agentLabel(d)} supervisor: ${b(d.action)}${d.strategy ? ` · ${escapeHtml(d.strategy)}` : ''} · confidence ${pct}%`,
    ];
    if (d.reasoning) lines.push(`<i>${escapeHtml(clip(d.reasoning.trim(), 600))}</i>`);
    return lines;
  },
  'drawdown.stop': (d) => [
    `⛔ ${agentLabel(d)} stopped by the drawdown limit`,
    `Loss ${b(`${formatNumber(d.lossPct, 2)}%`)} reached the ${escapeHtml(formatNumber(d.limitPct, 2))}% limit. Positions were closed.`,
  ],
  'agent.crashed': crashLines,
  'agent.failed': (d) => [`❌ ${agentLabel(d)} failed`, `Reason: ${escapeHtml(clip(d.reason, 600))}`],
  'agent.stopped': (d) => {
    const lines = [`⏹ ${agentLabel(d)} stopped itself`, `Reason: ${escapeHtml(clip(d.reason, 600))}`];
    if (d.positionOpen) lines.push('Its position is still open: /agent shows it, /startagent resumes trading.');
    return lines;
  },
  'agent.restarted': (d) => {
    const lines = [`🔄 ${agentLabel(d)} restarted (attempt ${d.attempt})`];
    if (d.reason) lines.push(`Reason: ${escapeHtml(clip(d.reason, 300))}`);
    return lines;
  },
  'order.error': (d) => [`⚠️ ${agentLabel(d)} ${d.live ? 'live' : 'paper'} order failed`, escapeHtml(clip(d.message, 600))],
  'llm.budget_spent': (d) => {
    const tokens = (n: number) => n.toLocaleString('en-US');
    return [
      `🧠 ${agentLabel(d)}: today's ${tokens(d.limitTokens)} tokens on the server's LLM keys are used up (${tokens(d.usedTokens)}). ` +
        'Your agents plan with their rules until 00:00 UTC. Store a key of your own with /secrets to keep the LLM.',
    ];
  },
  'llm.agent_budget_spent': (d) => [
    `🧠 ${agentLabel(d)} reached its LLM budget of $${d.budgetUsd.toFixed(2)} a day ($${d.spentUsd.toFixed(2)} spent). ` +
      'It plans with its rules until 00:00 UTC. /costs shows the figures; /edit changes the budget.',
  ],
};

function alertLines<K extends AlertEventName>(event: { name: K; data: HubEventMap[K] }): string[] {
  return ALERT_LINES[event.name](event.data, event.name);
}

/** Renders one alert as Telegram HTML (always below TELEGRAM_TEXT_LIMIT). */
export function formatAlert(event: AlertEvent): string {
  return alertLines(event).join('\n');
}

const pctText = (pct: number) => `${formatNumber(Math.floor(pct * 10) / 10, 1)} %`;

/** Renders an alert for the admins about the server itself (src/hub/alerts/operator-alerts.ts). */
export function formatOperatorAlert(alert: OperatorAlert): string {
  switch (alert.kind) {
    case 'signer.balance':
      return [
        `⛽ <b>Operator:</b> the chain signer's balance is ${b(`${formatNumber(Number(alert.balance), 6)} HSK`)}, under the ${escapeHtml(formatNumber(Number(alert.min), 6))} HSK minimum.`,
        'Top up the HSK_PRIVATE_KEY wallet: without gas, decisions and trades wait in the outbox instead of reaching the chain.',
      ].join('\n');
    case 'credits':
      return [
        `📉 <b>Operator:</b> ${b(pctText(alert.pct))} of today's Twelve Data credits are used (${alert.used} of ${alert.limit}).`,
        'At 100 % every further Twelve Data call is refused until 00:00 UTC. Raise TWELVE_DATA_DAILY_CREDITS with a bigger plan, or run fewer agents.',
      ].join('\n');
    case 'ports':
      return [
        `🔌 <b>Operator:</b> the agent port pool is ${b(pctText(alert.pct))} full (${alert.used} of ${alert.size} ports).`,
        'When it is full, agents fail to start: widen AGENT_PORT_RANGE or delete agents nobody runs.',
      ].join('\n');
    case 'crashes':
      return [
        `💥 <b>Operator:</b> ${agentLabel(alert)} crashed ${b(`${alert.count} times`)} within ${alert.windowMinutes} min.`,
        `Last reason: ${escapeHtml(clip(alert.reason || 'none given', 300))}`,
      ].join('\n');
  }
}

function appendLogs(lines: string[], logs: readonly string[]): void {
  const last = logs.slice(-8).map((l) => clip(l, 300));
  if (last.length) lines.push(`Last log lines:\n<pre>${escapeHtml(last.join('\n'))}</pre>`);
}

/** "+5 more fills", "+3 more: 2 fills, 1 decision" for alerts left out of a merged message. */
export function moreSummary(eventTypes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const t of eventTypes) counts.set(t, (counts.get(t) ?? 0) + 1);
  const noun = (t: string, n: number) => (isAlertType(t) ? ALERT_TYPE_INFO[t].noun[n === 1 ? 0 : 1] : n === 1 ? 'message' : 'messages');
  const total = eventTypes.length;
  if (counts.size === 1) {
    const [t] = [...counts.keys()];
    return `+${total} more ${noun(t!, total)}`;
  }
  return `+${total} more: ${[...counts].map(([t, n]) => `${n} ${noun(t, n)}`).join(', ')}`;
}

/** "⏱ delayed 3 min" (minutes below 2 h, then hours and minutes). */
export function delayNote(delayMs: number): string {
  const min = Math.max(1, Math.round(delayMs / 60_000));
  if (min < 120) return `⏱ delayed ${min} min`;
  const h = Math.floor(min / 60);
  const m = min % 60;
  return `⏱ delayed ${h} h${m ? ` ${m} min` : ''}`;
}
