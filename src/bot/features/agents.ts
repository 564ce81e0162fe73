/**
 * Viewing and controlling agents: /agents, /agent (a card with buttons), /logs, /stop,
 * /startagent (/resume), /delete, /panic. Every lookup goes through the hub scoped to the
 * caller, so another user's agent answers exactly like a missing one. A position a stop left
 * open is said (stop reply, card, /agents, /panic) with a Close now button; delete refuses an
 * agent holding one, offering Close and delete.
 *
 * This file holds the list and the card with its logs, and combines them with one Composer per
 * other concern: start/stop/close (./agent-control.ts), delete (./agent-delete.ts) and panic
 * (./panic.ts). The card's buttons are routed through ./agent-card.ts.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, FlowArgs } from '../context.js';
import { editInPlace } from '../edit-in-place.js';
import { agentLine, escapeHtml, logLine, splitMessages } from '../format.js';
import { base36Part, ownedCallbackData, ownedPress } from '../owned-callback.js';
import type { BotServices } from '../services.js';
import { agentKeyboard, cardKeyboard, cardText, editCard, onAgentButton, traderId } from './agent-card.js';
import { createAgentControlFeature } from './agent-control.js';
import { createAgentDeleteFeature } from './agent-delete.js';
import { launchAgent } from './create-agent.js';
import { EDIT_FLOW } from './edit-agent.js';
import { createPanicFeature, panicFlow, PANIC_FLOW } from './panic.js';

const html = { parse_mode: 'HTML' as const };
const DEFAULT_LOG_LINES = 20;
const MAX_LOG_LINES = 200;
const AGENTS_LIST_PREFIX = 'agl';
const NO_AGENTS = 'You have no agents yet. /create makes one.';

/** /agents, each message with 🔄 Refresh (edits that part of the list in place). */
function createAgentListFeature(services: BotServices): Composer<BotContext> {
  const { hub } = services;
  const composer = new Composer<BotContext>();
  async function agentsList(ctx: BotContext): Promise<string[]> {
    const agents = await hub.agents.list(traderId(ctx));
    if (!agents.length) return [];
    const total = agents.reduce((s, a) => s + a.realizedPnl + a.unrealizedPnl, 0);
    const lines = agents.map(agentLine);
    lines.push('', `Total PnL ${total >= 0 ? '+' : '−'}${Math.abs(total).toFixed(2)} USDT · /agent &lt;name&gt; for details`);
    return splitMessages(lines);
  }
  const refreshList = (asker: number, part: number) =>
    new InlineKeyboard().text('🔄 Refresh', ownedCallbackData(AGENTS_LIST_PREFIX, asker, [part]));
  composer.command('agents', async (ctx) => {
    const parts = await agentsList(ctx);
    if (!parts.length) return ctx.reply(NO_AGENTS);
    for (const [i, text] of parts.entries()) await ctx.reply(text, { ...html, reply_markup: refreshList(ctx.from!.id, i) });
  });
  composer.callbackQuery(/^agl:/, async (ctx) => {
    const press = await ownedPress(
      ctx,
      AGENTS_LIST_PREFIX,
      ([part]) => base36Part(part),
      'This button is out of date. Send /agents again.',
    );
    if (!press) return;
    const parts = await agentsList(ctx);
    await ctx.answerCallbackQuery('Refreshed');
    const shown = Math.min(press.value, parts.length - 1);
    if (shown < 0) await editInPlace(ctx, NO_AGENTS);
    else await editInPlace(ctx, parts[shown]!, { ...html, reply_markup: refreshList(press.asker, shown) });
  });
  return composer;
}

async function sendLogs(services: BotServices, ctx: BotContext, ref: string, n: number): Promise<void> {
  const a = await services.hub.agents.find(traderId(ctx), ref);
  const entries = await services.hub.logs.recent(a.id, n);
  if (!entries.length) {
    await ctx.reply(`No log lines from <b>${escapeHtml(a.name)}</b> yet.`, html);
    return;
  }
  const header = `📜 <b>${escapeHtml(a.name)}</b> — last ${entries.length} line(s)`;
  for (const text of splitMessages([header, ...entries.map(logLine)])) await ctx.reply(text, html);
}

/** /agent, /logs and the card's Refresh, Keep, Logs and Edit buttons. */
function createAgentCardFeature(services: BotServices): Composer<BotContext> {
  const { hub } = services;
  const composer = new Composer<BotContext>();
  composer.command('agent', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /agent <name or id>  (see /agents)');
    const a = await hub.agents.find(traderId(ctx), ref);
    await ctx.reply(await cardText(services, a), { ...html, reply_markup: cardKeyboard(ctx, services, a) });
  });
  composer.command('logs', async (ctx) => {
    const [ref, count] = ctx.match.trim().split(/\s+/);
    if (!ref) return ctx.reply(`Usage: /logs <agent> [lines, 1-${MAX_LOG_LINES}, default ${DEFAULT_LOG_LINES}]`);
    const n = count === undefined ? DEFAULT_LOG_LINES : Number(count);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES)
      return ctx.reply(`The number of lines must be 1-${MAX_LOG_LINES}, e.g. /logs ${ref} 50.`);
    await sendLogs(services, ctx, ref, n);
  });
  onAgentButton(composer, hub, ['r', 'k', 'l', 'e'], async (ctx, action, a) => {
    switch (action) {
      case 'l':
        await ctx.answerCallbackQuery();
        return sendLogs(services, ctx, a.id, DEFAULT_LOG_LINES);
      case 'e':
        await ctx.answerCallbackQuery();
        return ctx.conversation.enter(EDIT_FLOW, { userId: traderId(ctx), agentId: a.id } satisfies FlowArgs);
      default:
        await ctx.answerCallbackQuery(action === 'r' ? 'Refreshed' : 'Kept');
        return editCard(ctx, a, services);
    }
  });
  return composer;
}

export function createAgentsFeature(services: BotServices): Composer<BotContext> {
  return new Composer<BotContext>(
    createAgentListFeature(services),
    createAgentCardFeature(services),
    createAgentControlFeature(services),
    createAgentDeleteFeature(services),
    createPanicFeature(),
  );
}

export { agentKeyboard, launchAgent, panicFlow, PANIC_FLOW };
