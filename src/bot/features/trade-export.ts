/**
 * /export [agent]: the caller's trades (or one agent's) as a CSV document, oldest first. The
 * columns are documented in the README ("Exporting trades"); the CSV itself is written by
 * ../csv.ts (RFC 4180 quoting, formula injection guarded: agent names and close reasons come
 * from users and agents).
 */
import { Composer, InputFile } from 'grammy';
import type { TradeView } from '../../hub/analytics/trade-history.js';
import type { BotContext } from '../context.js';
import { toCsv, type CsvCell } from '../csv.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

/** The export's columns, in order, with how each is read from a trade (units as in the README). */
const COLUMNS: ReadonlyArray<readonly [string, (t: TradeView) => CsvCell]> = [
  ['trade_id', (t) => t.id],
  ['agent', (t) => t.agentName],
  ['symbol', (t) => t.symbol],
  ['side', (t) => t.side],
  ['status', (t) => t.status],
  ['qty', (t) => t.qty],
  ['leverage', (t) => t.leverage],
  ['margin', (t) => t.margin],
  ['entry_price', (t) => t.entryPrice],
  ['exit_price', (t) => t.exitPrice],
  ['fees', (t) => t.fees],
  ['pnl', (t) => t.pnl],
  ['close_reason', (t) => t.closeReason],
  ['opened_at', (t) => t.openedAt],
  ['closed_at', (t) => t.closedAt],
  ['live', (t) => t.live],
];

export const EXPORT_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

/** The CSV text of `trades`: a header record, then one record per trade in the given order. */
export function tradesCsv(trades: readonly TradeView[]): string {
  return toCsv([EXPORT_COLUMNS, ...trades.map((t) => COLUMNS.map(([, read]) => read(t)))]);
}

/** `artic-trades-btc-scalper-20261130.csv` (characters a file name should not hold become `-`). */
export function exportFileName(agentName: string | undefined, now: number): string {
  const who = agentName ? agentName.replace(/[^\p{L}\p{N}_.-]+/gu, '-') : 'all';
  return `artic-trades-${who}-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}.csv`;
}

export function createTradeExportFeature(services: BotServices): Composer<BotContext> {
  const { hub, clock } = services;
  const composer = new Composer<BotContext>();

  composer.command('export', async (ctx) => {
    const ownerId = ctx.trader!.id;
    const ref = ctx.match.trim();
    const agent = ref ? await hub.agents.find(ownerId, ref) : undefined;
    const { trades, total } = await hub.tradeHistory.exportTrades({ ownerId, agentId: agent?.id });
    if (!trades.length)
      return ctx.reply(agent ? `<b>${escapeHtml(agent.name)}</b> has no trades to export yet.` : 'You have no trades to export yet.', {
        parse_mode: 'HTML',
      });
    const file = new InputFile(Buffer.from(tradesCsv(trades), 'utf8'), exportFileName(agent?.name, clock()));
    const whose = agent ? ` of ${agent.name}` : '';
    const cut = total > trades.length ? ` (the newest ${trades.length} of ${total})` : '';
    await ctx.replyWithDocument(file, {
      caption: `📄 ${trades.length} trade(s)${whose}${cut}, oldest first. Times UTC; the columns are listed in the README under "Exporting trades".`,
    });
  });
  return composer;
}
