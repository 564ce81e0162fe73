/**
 * The analytics the bot sends (/profit, /stats, /daily…, /performance, /leaderboard), in Telegram
 * HTML. Tables are monospace (`<pre>`), kept narrow enough for a phone. Money in USDT; ratios arrive
 * as fractions (0.06 = 6 %) and unknown figures as null, shown "—"; a profit factor without a loss
 * is "∞". Every name is escaped.
 */
import type { CloseKindReport, PerformanceReport } from '../hub/analytics/analytics-service.js';
import type { CloseKind } from '../hub/analytics/close-reasons.js';
import type { LeaderboardRow } from '../hub/analytics/leaderboard.js';
import type { GroupRow, PeriodRow, PeriodUnit } from '../hub/analytics/periods.js';
import type { TradeStats } from '../hub/analytics/trade-stats.js';
import { escapeHtml, fmtDuration, fmtNumber, fmtPnl, MESSAGE_LIMIT, splitMessages } from './format.js';

/** What a report's trades have for its best/worst lines. */
interface NamedTrade {
  pnl: number;
  agentName: string;
  closedAt: Date;
}

/** `6.00%` / `−3.10%` (`signed`: `+6.00%`); `—` when unknown. */
export function fmtPct(fraction: number | null, digits = 2, signed = false): string {
  if (fraction === null || !Number.isFinite(fraction)) return '—';
  const abs = Math.abs(fraction * 100).toFixed(digits);
  const sign = fraction < 0 && Number(abs) !== 0 ? '−' : signed && fraction > 0 ? '+' : '';
  return `${sign}${abs}%`;
}

/** A profit factor or Sharpe ratio: `1.86`, `∞` (no loss), `—` (unknown). */
export function fmtRatio(value: number | null): string {
  if (value === null) return '—';
  if (value === Infinity) return '∞';
  return value.toFixed(2).replace('-', '−');
}

/** An unsigned amount with cents: `1,234.50`. */
function fmtAmount(n: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function fmtMs(ms: number | null): string {
  return ms === null ? '—' : fmtDuration(ms);
}

function tradeLine(t: NamedTrade | null): string {
  return t ? `${fmtPnl(t.pnl)} USDT (${escapeHtml(t.agentName)}, ${t.closedAt.toISOString().slice(0, 10)})` : '—';
}

/** The /profit report. `scope`: "all agents" or an agent's name (raw); `window`: "all time", "last 30 days". */
export function profitText(scope: string, window: string, s: TradeStats<NamedTrade>): string {
  const head = `💰 <b>Profit</b> · ${escapeHtml(scope)} · ${window}`;
  const capital = `capital ${fmtNumber(s.capital)} USDT`;
  if (!s.trades) return `${head}\nNo closed trades yet (${capital}).`;
  return [
    head,
    `Realised PnL: <b>${fmtPnl(s.pnl)} USDT</b> · ROI ${fmtPct(s.roi, 2, true)} on ${capital}`,
    `Trades: ${s.trades} · win rate ${fmtPct(s.winRate, 0)} (${s.wins} won, ${s.losses} lost, ${s.breakeven} even)`,
    `Profit factor: ${fmtRatio(s.profitFactor)} · expectancy ${fmtPnl(s.expectancy ?? 0)} USDT per trade`,
    `Average duration: ${fmtMs(s.avgDurationMs)}`,
    `Best: ${tradeLine(s.best)}`,
    `Worst: ${tradeLine(s.worst)}`,
    `Max drawdown: ${fmtAmount(s.maxDrawdown.amount)} USDT (${fmtPct(s.maxDrawdown.pct)})`,
    `Fees paid: ${fmtAmount(s.fees)} USDT`,
  ].join('\n');
}

const KIND_ICON: Record<CloseKind, string> = {
  'take-profit': '🎯',
  'stop-loss': '🛑',
  signal: '📶',
  'drawdown stop': '📉',
  liquidation: '💥',
  manual: '✋',
  'force exit': '⏏️',
  other: '•',
};

/** The /stats report: the /profit figures per close kind, a few lines each. */
export function closeKindsLines(scope: string, report: CloseKindReport): string[] {
  const head = `📊 <b>By close reason</b> · ${escapeHtml(scope)} · all time · ROI on ${fmtNumber(report.capital)} USDT capital`;
  if (!report.kinds.length) return [head, 'No closed trades yet.'];
  const lines = [head];
  for (const { kind, stats: s } of report.kinds) {
    lines.push(
      '',
      `${KIND_ICON[kind]} <b>${kind}</b> · ${s.trades} trade${s.trades === 1 ? '' : 's'} · win rate ${fmtPct(s.winRate, 0)}`,
      `PnL ${fmtPnl(s.pnl)} USDT (ROI ${fmtPct(s.roi, 2, true)}) · PF ${fmtRatio(s.profitFactor)} · expectancy ${fmtPnl(s.expectancy ?? 0)}`,
      `Avg ${fmtMs(s.avgDurationMs)} · best ${fmtPnl(s.best?.pnl ?? 0)} · worst ${fmtPnl(s.worst?.pnl ?? 0)} · max DD ${fmtAmount(s.maxDrawdown.amount)} (${fmtPct(s.maxDrawdown.pct)}) · fees ${fmtAmount(s.fees)}`,
    );
  }
  return lines;
}

/** A `<pre>` table row: the first `left` columns left-aligned, the others (figures) right-aligned. */
function row(cells: string[], widths: number[], left: number): string {
  return cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
}

/** Lines that go inside `<pre>`: escaped after padding, so widths count characters, not entities. */
export function preRows(header: string[], rows: string[][], left = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((cells) => escapeHtml(row(cells, widths, left)).trimEnd());
}

/** Messages of `intro` followed by `tableLines` in `<pre>` blocks, split between rows below the limit. */
export function preMessages(intro: string, tableLines: string[], outro = ''): string[] {
  const wrap = '<pre></pre>'.length;
  const chunks = splitMessages(tableLines, MESSAGE_LIMIT - wrap - intro.length - outro.length - 2);
  return chunks.map((chunk, i) =>
    [i === 0 ? intro : '', `<pre>${chunk}</pre>`, i === chunks.length - 1 ? outro : ''].filter(Boolean).join('\n'),
  );
}

const UNIT_TITLE: Record<PeriodUnit, [title: string, column: string]> = {
  day: ['Daily', 'Day'],
  week: ['Weekly', 'Week of'],
  month: ['Monthly', 'Month'],
};

/** The /daily, /weekly or /monthly table (one message: the caller bounds the row count). */
export function periodText(unit: PeriodUnit, scope: string, rows: PeriodRow[]): string {
  const [title, column] = UNIT_TITLE[unit];
  const total = rows.reduce((t, r) => ({ pnl: t.pnl + r.pnl, trades: t.trades + r.trades, wins: t.wins + r.wins }), {
    pnl: 0,
    trades: 0,
    wins: 0,
  });
  const cells = rows.map((r) => [r.label, fmtPnl(r.pnl), String(r.trades), fmtPct(r.winRate, 0)]);
  cells.push(['Total', fmtPnl(total.pnl), String(total.trades), fmtPct(total.trades ? total.wins / total.trades : null, 0)]);
  const table = preRows([column, 'PnL USDT', 'Trades', 'Win %'], cells);
  return `📅 <b>${title} PnL</b> · ${escapeHtml(scope)} · UTC\n<pre>${table.join('\n')}</pre>`;
}

function groupTable(column: string, rows: GroupRow[]): string[] {
  return preRows(
    [column, 'PnL USDT', 'Trades', 'Win %'],
    rows.map((r) => [r.key, fmtPnl(r.pnl), String(r.trades), fmtPct(r.winRate, 0)]),
  );
}

/** The /performance report: PnL by symbol, then by strategy. */
export function performanceMessages(scope: string, report: PerformanceReport): string[] {
  const head = `📈 <b>Performance</b> · ${escapeHtml(scope)} · all time`;
  if (!report.bySymbol.length) return [`${head}\nNo closed trades yet.`];
  return [
    ...preMessages(`${head}\n<b>By symbol</b>`, groupTable('Symbol', report.bySymbol)),
    ...preMessages('<b>By strategy</b> (the agent’s; auto = the planner picks)', groupTable('Strategy', report.byStrategy)),
  ];
}

const NAME_WIDTH = 16;

/** The /leaderboard: agent names and figures only. */
export function leaderboardMessages(rows: LeaderboardRow[]): string[] {
  const head = '🏆 <b>Leaderboard</b> · paper agents whose owners opted in, by ROI';
  const foot = 'Add yours with /optin &lt;agent&gt;; /optout takes it off.';
  if (!rows.length) return [`${head}\nNo agent has joined yet. ${foot}`];
  const name = (n: string) => (n.length > NAME_WIDTH ? `${n.slice(0, NAME_WIDTH - 1)}…` : n);
  const table = preRows(
    ['#', 'Agent', 'ROI', 'Win', 'MaxDD', 'Sharpe'],
    rows.map((r) => [
      String(r.rank),
      name(r.name),
      fmtPct(r.roi, 2, true),
      fmtPct(r.winRate, 0),
      fmtPct(r.maxDrawdownPct, 1),
      fmtRatio(r.sharpe),
    ]),
    2,
  );
  return preMessages(head, table, foot);
}
