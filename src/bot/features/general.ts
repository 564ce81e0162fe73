/** /help (the same list is registered with setMyCommands), /symbols and /token. */
import { Composer } from 'grammy';
import type { BotCommand } from 'grammy/types';
import { POPULAR_SYMBOLS } from '../../hub/market/symbols.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

export const COMMANDS: BotCommand[] = [
  { command: 'create', description: 'Create a trading agent' },
  { command: 'agents', description: 'Your agents with status and PnL' },
  { command: 'agent', description: 'One agent: card and controls' },
  { command: 'logs', description: 'Recent log lines of an agent' },
  { command: 'trades', description: 'Your trades, n per page: [agent] [n]' },
  { command: 'trade', description: 'One trade in full (id from /trades); 🤔 Why? shows the decision behind it' },
  { command: 'export', description: 'Your trades as a CSV file: [agent]' },
  { command: 'tail', description: 'Live log tail of an agent' },
  { command: 'chart', description: 'Price chart of an agent with its trades: /chart <agent> [interval]' },
  { command: 'equity', description: 'Equity curve and drawdown: /equity [agent]' },
  { command: 'edit', description: "Change an agent's settings" },
  { command: 'stop', description: 'Stop an agent' },
  { command: 'startagent', description: 'Start a stopped agent' },
  { command: 'pause', description: 'No new entries; the open position stays managed (TP/SL, drawdown stop)' },
  { command: 'resume', description: 'Allow a paused agent entries again, or start a stopped agent' },
  { command: 'forceexit', description: "Close an agent's position now (after a confirmation); it keeps running" },
  { command: 'delete', description: 'Delete an agent' },
  { command: 'panic', description: 'Stop all your agents' },
  { command: 'balance', description: 'Paper equity per agent and your HashKey balances' },
  { command: 'costs', description: 'What your agents spent on LLMs, today and all time: [agent]' },
  { command: 'info', description: 'Token facts from CoinMarketCap: /info BTC' },
  { command: 'profit', description: 'Realised PnL, ROI, win rate, profit factor, drawdown, fees: /profit [agent] [days]' },
  { command: 'stats', description: 'The /profit figures by close reason (TP, SL, signal…): /stats [agent]' },
  { command: 'daily', description: 'PnL, trades and win % per UTC day: /daily [agent] [days]' },
  { command: 'weekly', description: 'The same per ISO week: /weekly [agent] [weeks]' },
  { command: 'monthly', description: 'The same per month: /monthly [agent] [months]' },
  { command: 'performance', description: 'PnL by symbol and by strategy: /performance [agent]' },
  { command: 'backtest', description: 'Test a strategy on past bars: step by step, or /backtest BTCUSDT 15m 90d trend_following tp=3' },
  { command: 'compare', description: 'Every strategy on the same bars, ranked: /compare <symbol> <timeframe> <period>' },
  { command: 'backtests', description: 'Your recent backtests; tap one to see it again' },
  { command: 'leaderboard', description: 'Opted-in paper agents ranked by ROI (names only)' },
  { command: 'optin', description: 'Put an agent on the leaderboard: /optin <agent>' },
  { command: 'optout', description: 'Take an agent (or all yours) off the leaderboard: /optout [agent]' },
  { command: 'secrets', description: 'Your API keys (stored encrypted)' },
  { command: 'alerts', description: 'Which alerts you get' },
  { command: 'symbols', description: 'Pairs you can trade' },
  { command: 'timezone', description: 'Time zone of chart times: /timezone Europe/Berlin' },
  { command: 'dashboard', description: 'A one-time login link to the web dashboard' },
  { command: 'token', description: 'A token for the WebSocket API (/token revoke)' },
  { command: 'cancel', description: 'Cancel the current step-by-step flow' },
  { command: 'help', description: 'What I can do' },
];

/** Every command a feature answers: the menu above plus aliases (/resume also starts a stopped agent). */
export const KNOWN_COMMANDS: ReadonlySet<string> = new Set([...COMMANDS.map((c) => c.command), 'resume']);

/** Commands only admins have (not in the menu; to anyone else they are unknown). /approve and /deny answer before any flow. */
export const ADMIN_COMMANDS: ReadonlySet<string> = new Set(['broadcast']);

export function createGeneralFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('help', (ctx) =>
    ctx.reply(
      [
        '<b>Artic</b> — LLM-driven trading agents, from this chat.',
        '',
        ...COMMANDS.map((c) => `/${c.command} — ${escapeHtml(c.description)}`),
      ].join('\n'),
      {
        parse_mode: 'HTML',
      },
    ),
  );
  composer.command('symbols', (ctx) => {
    const supported = [...services.supportedSymbols].sort();
    const popular = POPULAR_SYMBOLS.filter((s) => services.supportedSymbols.has(s.id)).map((s) => s.id);
    const others = supported.filter((s) => !popular.includes(s));
    return ctx.reply(`📈 Popular: ${popular.join(', ')}\nAlso: ${others.join(', ') || '—'}\nType pairs as BTCUSDT, btc/usdt or BTC.`);
  });
  composer.chatType('private').command('token', async (ctx) => {
    const userId = ctx.trader!.id;
    const arg = ctx.match.trim().toLowerCase();
    if (arg === 'revoke') {
      await services.hub.userTokens.revoke(userId);
      return ctx.reply('🔒 Every WebSocket token you were given is revoked, and open streams are closed. Send /token for a new one.');
    }
    if (arg) return ctx.reply('Send /token for a WebSocket API token, or /token revoke to invalidate every token you hold.');
    const token = await services.hub.userTokens.issue(userId);
    await ctx.reply(
      `🔑 Your WebSocket API token (valid 30 days). It is shown once and not stored; anyone holding it can read your agents' stream. /token revoke invalidates it.\n<code>${token}</code>`,
      { parse_mode: 'HTML' },
    );
  });
  composer.command('token', (ctx) => ctx.reply('🔑 Tokens only in a private chat with me.'));
  return composer;
}
