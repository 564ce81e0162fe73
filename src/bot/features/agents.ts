/**
 * Viewing and controlling agents: /agents, /agent (a card with buttons), /logs, /stop,
 * /startagent (/resume), /delete, /panic. Every lookup goes through the hub scoped to the
 * caller, so another user's agent answers exactly like a missing one. A position a stop left
 * open is said (stop reply, card, /agents, /panic) with a Close now button; delete refuses an
 * agent holding one, offering Close and delete.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AgentView } from '../../hub/agents/agent-view.js';
import { HubError, PositionHeldError } from '../../hub/errors.js';
import type { BotContext, FlowArgs, FlowContext, FlowConversation } from '../context.js';
import { agentOfButton, controlButtons } from '../agent-buttons.js';
import { editInPlace } from '../edit-in-place.js';
import {
  agentCard,
  agentLine,
  closeSummary,
  escapeHtml,
  holdsPositionStopped,
  isActive,
  logLine,
  positionSummary,
  splitMessages,
} from '../format.js';
import { base36Part, ownedCallbackData, ownedPress } from '../owned-callback.js';
import type { BotServices } from '../services.js';
import { launchAgent } from './create-agent.js';
import { EDIT_FLOW } from './edit-agent.js';

export const PANIC_FLOW = 'panic';
const PANIC_WORD = 'STOP ALL';
const html = { parse_mode: 'HTML' as const };
const DEFAULT_LOG_LINES = 20;
const MAX_LOG_LINES = 200;
const AGENTS_LIST_PREFIX = 'agl';
const NO_AGENTS = 'You have no agents yet. /create makes one.';

export function agentKeyboard(a: AgentView): InlineKeyboard {
  const keyboard = new InlineKeyboard()
    .text('🔄 Refresh', `ag:r:${a.id}`)
    .text('📜 Logs', `ag:l:${a.id}`)
    .text('📡 Tail', `tail:${a.id}`)
    .row()
    .text(isActive(a) ? '⏸ Stop' : '▶️ Start', `ag:${isActive(a) ? 's' : 'g'}:${a.id}`)
    .text('✏️ Edit', `ag:e:${a.id}`)
    .text('🗑 Delete', `ag:d:${a.id}`);
  // Force exit / Pause / Resume: src/bot/features/agent-controls.ts.
  const controls = controlButtons(a);
  if (controls.length) keyboard.row().add(...controls);
  return holdsPositionStopped(a) ? keyboard.row().text('✖️ Close position now', `ag:c:${a.id}`) : keyboard;
}

export function panicFlow(services: BotServices) {
  return async function panic(conversation: FlowConversation, ctx: FlowContext, args: FlowArgs): Promise<void> {
    const active = await conversation.external(async () =>
      (await services.hub.agents.list(args.userId)).filter(isActive).map((a) => a.name),
    );
    if (!active.length) {
      await ctx.reply('Nothing to stop: none of your agents is running.');
      return;
    }
    await ctx.reply(
      `🚨 This stops ALL ${active.length} running agent(s): ${active.map(escapeHtml).join(', ')}. Each closes its position if set to (close on stop).\n` +
        `Type <b>${PANIC_WORD}</b> to confirm; anything else cancels.`,
      html,
    );
    const answer = await conversation.waitFor('message:text');
    if (answer.message.text.trim().toUpperCase() !== PANIC_WORD) {
      await answer.reply('Not confirmed. Nothing was stopped.');
      return;
    }
    const stopped = await conversation.external(async () =>
      (await services.hub.lifecycle.stopAll(args.userId)).map((a) => ({
        name: a.name,
        status: a.status,
        held: a.position ? positionSummary(a.symbol, a.position) : null,
      })),
    );
    const after = await conversation.external(async () =>
      (await services.hub.agents.list(args.userId)).map((a) => ({
        id: a.id,
        name: a.name,
        active: isActive(a),
        held: holdsPositionStopped(a),
      })),
    );
    const lines = stopped.map((a) => `⏸ ${escapeHtml(a.name)} — ${a.status}${a.held ? ` · ⚠️ position still open: ${a.held}` : ''}`);
    const left = after.filter((a) => a.active).map((a) => a.name);
    if (left.length) lines.push(`⚠️ Still active: ${left.map(escapeHtml).join(', ')}. Try /stop on each.`);
    // Every stopped agent still holding a position, whether this panic stopped it or not.
    const holders = after.filter((a) => a.held);
    const keyboard = new InlineKeyboard();
    for (const a of holders) keyboard.text(`✖️ Close ${a.name} now`, `ag:C:${a.id}`).row();
    if (holders.length === 1) lines.push('1 position stayed open: close it now, or keep it (the agent resumes it at its next start).');
    if (holders.length > 1)
      lines.push(`${holders.length} positions stayed open: close them now, or keep them (each agent resumes its own at its next start).`);
    await answer.reply(`🛑 Panic stop done. Stopped ${stopped.length}:\n${lines.join('\n')}`, {
      ...html,
      ...(holders.length ? { reply_markup: keyboard } : {}),
    });
  };
}

export function createAgentsFeature(services: BotServices): Composer<BotContext> {
  const { hub, clock } = services;
  const composer = new Composer<BotContext>();
  const me = (ctx: BotContext) => ctx.trader!.id;

  // ─── /agents, each message with 🔄 Refresh (edits that part of the list in place) ───
  async function agentsList(ctx: BotContext): Promise<string[]> {
    const agents = await hub.agents.list(me(ctx));
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
  // ─── end of /agents ───

  async function showCard(ctx: BotContext, ref: string): Promise<void> {
    const a = await hub.agents.find(me(ctx), ref);
    await ctx.reply(agentCard(a, clock()), { ...html, reply_markup: agentKeyboard(a) });
  }
  composer.command('agent', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /agent <name or id>  (see /agents)');
    await showCard(ctx, ref);
  });

  async function sendLogs(ctx: BotContext, ref: string, n: number): Promise<void> {
    const a = await hub.agents.find(me(ctx), ref);
    const entries = await hub.logs.recent(a.id, n);
    if (!entries.length) {
      await ctx.reply(`No log lines from <b>${escapeHtml(a.name)}</b> yet.`, html);
      return;
    }
    const header = `📜 <b>${escapeHtml(a.name)}</b> — last ${entries.length} line(s)`;
    for (const text of splitMessages([header, ...entries.map(logLine)])) await ctx.reply(text, html);
  }
  composer.command('logs', async (ctx) => {
    const [ref, count] = ctx.match.trim().split(/\s+/);
    if (!ref) return ctx.reply(`Usage: /logs <agent> [lines, 1-${MAX_LOG_LINES}, default ${DEFAULT_LOG_LINES}]`);
    const n = count === undefined ? DEFAULT_LOG_LINES : Number(count);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES)
      return ctx.reply(`The number of lines must be 1-${MAX_LOG_LINES}, e.g. /logs ${ref} 50.`);
    await sendLogs(ctx, ref, n);
  });

  /** The card, in place of the message a button was pressed on. */
  async function editCard(ctx: BotContext, a: AgentView): Promise<void> {
    await editInPlace(ctx, agentCard(a, clock()), { ...html, reply_markup: agentKeyboard(a) });
  }
  /** Stops the agent; the reply says whether a position stayed open (the view re-reads the row after the stop). */
  async function stopAgent(ctx: BotContext, ref: string): Promise<AgentView> {
    const a = await hub.lifecycle.stop(me(ctx), ref);
    const stopped = `⏸ <b>${escapeHtml(a.name)}</b> stopped.`;
    if (!a.position) {
      await ctx.reply(stopped, html);
      return a;
    }
    await ctx.reply(
      `${stopped}\n⚠️ It still holds an open position: ${positionSummary(a.symbol, a.position)}. Nothing manages it while the agent is stopped.\nClose it now at the market, or keep it?`,
      {
        ...html,
        reply_markup: new InlineKeyboard().text('✖️ Close now', `ag:c:${a.id}`).text('Keep', `ag:k:${a.id}`),
      },
    );
    return a;
  }
  /** Close now; `showCard`: the pressed message becomes the agent's card (not for a list's buttons). */
  async function closePosition(ctx: BotContext, a: AgentView, showCard: boolean): Promise<void> {
    const { agent, closed } = await hub.lifecycle.closePosition(me(ctx), a.id);
    if (closed && !closed.replayed) {
      await ctx.answerCallbackQuery('Closed');
      await ctx.reply(`✅ <b>${escapeHtml(agent.name)}</b>: ${closeSummary(closed)}.`, html);
    } else {
      await ctx.answerCallbackQuery({ text: `${agent.name} holds no open position (it was closed already).`, show_alert: true });
    }
    if (showCard) await editCard(ctx, agent);
  }
  async function startAgent(ctx: BotContext, ref: string): Promise<void> {
    const a = await hub.agents.find(me(ctx), ref);
    if (a.status === 'running') {
      await ctx.reply(`<b>${escapeHtml(a.name)}</b> is already running.`, html);
      return;
    }
    const progress = await ctx.reply(`⏳ Starting <b>${escapeHtml(a.name)}</b>…`, html);
    const edit = (text: string) => ctx.api.editMessageText(progress.chat.id, progress.message_id, text, html).catch(() => undefined);
    try {
      await hub.lifecycle.start(me(ctx), a.id);
      await edit(`✅ <b>${escapeHtml(a.name)}</b> is running.`);
    } catch (error) {
      await edit(
        `❌ <b>${escapeHtml(a.name)}</b> did not start: ${escapeHtml(error instanceof HubError ? error.userMessage : 'something went wrong on our side')}`,
      );
      if (!(error instanceof HubError)) throw error;
    }
  }
  /** The delete question; for an agent holding a position, the refusal with Close and delete or Cancel. */
  function confirmDelete(a: AgentView): [string, InlineKeyboard] {
    if (a.position) {
      return [
        `🗑 <b>${escapeHtml(a.name)}</b> holds an open position (${positionSummary(a.symbol, a.position)}): it cannot be deleted while the position is open.\n` +
          'Close the position at the market and delete the agent?',
        new InlineKeyboard().text('✖️ Close and delete', `ag:X:${a.id}`).text('Cancel', `ag:k:${a.id}`),
      ];
    }
    return [
      `🗑 Delete <b>${escapeHtml(a.name)}</b>? It is stopped first, then its record, trades and logs are removed.`,
      new InlineKeyboard().text('Yes, delete it', `ag:D:${a.id}`).text('Keep it', `ag:k:${a.id}`),
    ];
  }
  async function deleteAgent(ctx: BotContext, a: AgentView, closePosition: boolean): Promise<void> {
    let closed;
    try {
      ({ closed } = await hub.lifecycle.delete(me(ctx), a.id, { closePosition }));
    } catch (error) {
      if (!(error instanceof PositionHeldError)) throw error;
      // A position opened since the question was asked: ask again, with the position.
      const [text, kb] = confirmDelete(await hub.agents.find(me(ctx), a.id));
      await ctx.editMessageText(text, { ...html, reply_markup: kb }).catch(() => ctx.reply(text, { ...html, reply_markup: kb }));
      return;
    }
    const text = `🗑 <b>${escapeHtml(a.name)}</b> deleted.${closed && !closed.replayed ? ` Position: ${closeSummary(closed)}.` : ''}`;
    await ctx.editMessageText(text, html).catch(() => ctx.reply(text, html));
  }

  composer.command('stop', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /stop <agent>   (/panic stops all)');
    await stopAgent(ctx, ref);
  });
  composer.command(['startagent', 'resume'], async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /startagent <agent>');
    await startAgent(ctx, ref);
  });
  composer.command('delete', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /delete <agent>');
    const [text, kb] = confirmDelete(await hub.agents.find(me(ctx), ref));
    await ctx.reply(text, { ...html, reply_markup: kb });
  });
  composer.command('panic', (ctx) => ctx.conversation.enter(PANIC_FLOW, { userId: me(ctx) } satisfies FlowArgs));

  // r refresh · l logs · s stop · g start · e edit · d delete? · D delete · X close and delete ·
  // k keep/cancel · c close now (from a card or a stop reply) · C close now (from the /panic list)
  composer.callbackQuery(/^ag:([rlsgedDXkcC]):([0-9a-f-]{36})$/, async (ctx) => {
    const [, action, id] = ctx.match as unknown as [string, string, string];
    const found = await agentOfButton(ctx, hub.agents, id);
    if (!found) return;
    let a = found;
    switch (action) {
      case 'r':
      case 'k': {
        await ctx.answerCallbackQuery(action === 'r' ? 'Refreshed' : 'Kept');
        return editCard(ctx, a);
      }
      case 'c':
      case 'C':
        return closePosition(ctx, a, action === 'c');
      case 'l':
        await ctx.answerCallbackQuery();
        return sendLogs(ctx, a.id, DEFAULT_LOG_LINES);
      case 's':
        await ctx.answerCallbackQuery('Stopping…');
        a = await stopAgent(ctx, a.id);
        await ctx.editMessageText(agentCard(a, clock()), { ...html, reply_markup: agentKeyboard(a) }).catch(() => undefined);
        return;
      case 'g':
        await ctx.answerCallbackQuery('Starting…');
        return startAgent(ctx, a.id);
      case 'e':
        await ctx.answerCallbackQuery();
        return ctx.conversation.enter(EDIT_FLOW, { userId: me(ctx), agentId: a.id } satisfies FlowArgs);
      case 'd': {
        await ctx.answerCallbackQuery();
        const [text, kb] = confirmDelete(a);
        await ctx.editMessageText(text, { ...html, reply_markup: kb }).catch(() => ctx.reply(text, { ...html, reply_markup: kb }));
        return;
      }
      case 'D':
      case 'X':
        await ctx.answerCallbackQuery(action === 'X' ? 'Closing and deleting…' : 'Deleting…');
        return deleteAgent(ctx, a, action === 'X');
    }
  });
  return composer;
}

export { launchAgent };
