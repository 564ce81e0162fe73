/**
 * /balance: the caller's paper equity per agent (capital + realised + unrealised PnL) and its
 * total, then — with HashKey keys — the live spot balances of that account, zero balances
 * hidden. A refused key is said with the exchange's code and where to fix it (/secrets), never
 * the key. Private chats only. The figures come from the hub (src/hub/account/balances.ts), scoped to the caller.
 */
import { Composer } from 'grammy';
import type { BalanceReport, LiveBalances, PaperEquity } from '../../hub/account/balances.js';
import type { BotContext } from '../context.js';
import { escapeHtml, fmtNumber, fmtPnl, splitMessages } from '../format.js';
import type { BotServices } from '../services.js';

/** `1,510.50` (USDT, two decimals). */
function usdt(n: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** An asset quantity: to the satoshi (8 decimals) below 1,000, cents above. */
function assetAmount(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) >= 1000 ? 2 : 8 });
}

function paperLine(p: PaperEquity): string {
  return (
    `• <b>${escapeHtml(p.name)}</b> · ${escapeHtml(p.symbol)} · <b>${usdt(p.equity)}</b> ` +
    `(capital ${fmtNumber(p.capital)} · realised ${fmtPnl(p.realized)} · unrealised ${fmtPnl(p.unrealized)})`
  );
}

function paperSection(report: BalanceReport): string[] {
  const lines = ['<b>Paper</b> · equity = capital + realised + unrealised PnL (USDT)'];
  if (!report.paper.length) lines.push('No paper agents. /create one.');
  else {
    const t = report.paperTotal;
    lines.push(...report.paper.map(paperLine));
    lines.push(
      `Total: <b>${usdt(t.equity)} USDT</b> (capital ${fmtNumber(t.capital)} · realised ${fmtPnl(t.realized)} · unrealised ${fmtPnl(t.unrealized)})`,
    );
  }
  if (report.liveAgents.length)
    lines.push(`<i>Live agents (their funds are in your HashKey account): ${report.liveAgents.map(escapeHtml).join(', ')}</i>`);
  return lines;
}

function liveSection(live: LiveBalances): string[] {
  if (live.status === 'none') return ['<i>Store your HashKey API key and secret with /secrets to see your live spot balances here.</i>'];
  const whose = live.source === 'server' ? "the server's" : 'your';
  const title = `<b>HashKey spot</b> (${whose} keys)`;
  if (live.status === 'refused') {
    const code = live.code ? ` (code ${escapeHtml(live.code)})` : '';
    return live.source === 'server'
      ? [title, `⚠️ HashKey refused the server's API key${code}: check HASHKEY_API_KEY and HASHKEY_SECRET.`]
      : [
          title,
          `⚠️ HashKey refused your API key${code}. Check it with /secrets (copied whole, reading enabled, this server's IP allowed).`,
        ];
  }
  if (live.status === 'unavailable')
    return [title, `HashKey did not answer just now (${escapeHtml(live.reason)}). Try /balance again in a minute.`];
  if (!live.balances.length) return [title, 'No assets (every balance is zero).'];
  return [
    title,
    ...live.balances.map(
      (b) => `• ${escapeHtml(b.asset)} <b>${assetAmount(b.total)}</b>${b.locked > 0 ? ` (locked ${assetAmount(b.locked)})` : ''}`,
    ),
  ];
}

/** The /balance text in Telegram HTML, split below the message limit. */
export function balanceMessages(report: BalanceReport): string[] {
  return splitMessages(['💼 <b>Balance</b>', '', ...paperSection(report), '', ...liveSection(report.live)]);
}

export function createBalanceFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.chatType('private').command('balance', async (ctx) => {
    const report = await services.hub.balances.report(ctx.trader!.id);
    for (const text of balanceMessages(report)) await ctx.reply(text, { parse_mode: 'HTML' });
  });
  // What an account holds is nobody else's business: not in groups, admins included.
  composer.command('balance', (ctx) => ctx.reply('💼 Balances only in a private chat with me.'));
  return composer;
}
