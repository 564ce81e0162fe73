/**
 * Starting and stopping one agent, and closing the position a stop left open: /stop,
 * /startagent (/resume) and the card's Stop, Start and Close now buttons. A stop that leaves a
 * position open says so, with Close now and Keep.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AgentView } from '../../hub/agents/agent-view.js';
import { HubError } from '../../hub/errors.js';
import type { BotContext } from '../context.js';
import { closeSummary, escapeHtml, positionSummary } from '../format.js';
import type { BotServices } from '../services.js';
import { cardKeyboard, cardText, editCard, onAgentButton, traderId } from './agent-card.js';

const html = { parse_mode: 'HTML' as const };

/** Stops the agent; the reply says whether a position stayed open (the view re-reads the row after the stop). */
async function stopAgent(services: BotServices, ctx: BotContext, ref: string): Promise<AgentView> {
  const a = await services.hub.lifecycle.stop(traderId(ctx), ref);
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
async function closePosition(services: BotServices, ctx: BotContext, a: AgentView, showCard: boolean): Promise<void> {
  const { agent, closed } = await services.hub.lifecycle.closePosition(traderId(ctx), a.id);
  if (closed && !closed.replayed) {
    await ctx.answerCallbackQuery('Closed');
    await ctx.reply(`✅ <b>${escapeHtml(agent.name)}</b>: ${closeSummary(closed)}.`, html);
  } else {
    await ctx.answerCallbackQuery({ text: `${agent.name} holds no open position (it was closed already).`, show_alert: true });
  }
  if (showCard) await editCard(ctx, agent, services);
}

async function startAgent(services: BotServices, ctx: BotContext, ref: string): Promise<void> {
  const { hub } = services;
  const a = await hub.agents.find(traderId(ctx), ref);
  if (a.status === 'running') {
    await ctx.reply(`<b>${escapeHtml(a.name)}</b> is already running.`, html);
    return;
  }
  const progress = await ctx.reply(`⏳ Starting <b>${escapeHtml(a.name)}</b>…`, html);
  const edit = (text: string) => ctx.api.editMessageText(progress.chat.id, progress.message_id, text, html).catch(() => undefined);
  try {
    await hub.lifecycle.start(traderId(ctx), a.id);
    await edit(`✅ <b>${escapeHtml(a.name)}</b> is running.`);
  } catch (error) {
    await edit(
      `❌ <b>${escapeHtml(a.name)}</b> did not start: ${escapeHtml(error instanceof HubError ? error.userMessage : 'something went wrong on our side')}`,
    );
    if (!(error instanceof HubError)) throw error;
  }
}

export function createAgentControlFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('stop', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /stop <agent>   (/panic stops all)');
    await stopAgent(services, ctx, ref);
  });
  composer.command(['startagent', 'resume'], async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /startagent <agent>');
    await startAgent(services, ctx, ref);
  });
  onAgentButton(composer, services.hub, ['s', 'g', 'c', 'C'], async (ctx, action, a) => {
    switch (action) {
      case 's': {
        await ctx.answerCallbackQuery('Stopping…');
        const stopped = await stopAgent(services, ctx, a.id);
        await ctx
          .editMessageText(await cardText(services, stopped), { ...html, reply_markup: cardKeyboard(ctx, services, stopped) })
          .catch(() => undefined);
        return;
      }
      case 'g':
        await ctx.answerCallbackQuery('Starting…');
        return startAgent(services, ctx, a.id);
      default:
        return closePosition(services, ctx, a, action === 'c');
    }
  });
  return composer;
}
