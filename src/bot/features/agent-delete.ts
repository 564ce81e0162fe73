/**
 * Deleting an agent: /delete and the card's Delete button ask first; Yes deletes (stopping the
 * agent first). Delete refuses an agent holding a position, offering Close and delete instead.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AgentView } from '../../hub/agents/agent-view.js';
import { PositionHeldError } from '../../hub/errors.js';
import type { BotContext } from '../context.js';
import { closeSummary, escapeHtml, positionSummary } from '../format.js';
import type { BotServices } from '../services.js';
import { onAgentButton, traderId } from './agent-card.js';

const html = { parse_mode: 'HTML' as const };

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

async function deleteAgent(services: BotServices, ctx: BotContext, a: AgentView, closePosition: boolean): Promise<void> {
  const { hub } = services;
  let closed;
  try {
    ({ closed } = await hub.lifecycle.delete(traderId(ctx), a.id, { closePosition }));
  } catch (error) {
    if (!(error instanceof PositionHeldError)) throw error;
    // A position opened since the question was asked: ask again, with the position.
    const [text, kb] = confirmDelete(await hub.agents.find(traderId(ctx), a.id));
    await ctx.editMessageText(text, { ...html, reply_markup: kb }).catch(() => ctx.reply(text, { ...html, reply_markup: kb }));
    return;
  }
  const text = `🗑 <b>${escapeHtml(a.name)}</b> deleted.${closed && !closed.replayed ? ` Position: ${closeSummary(closed)}.` : ''}`;
  await ctx.editMessageText(text, html).catch(() => ctx.reply(text, html));
}

export function createAgentDeleteFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('delete', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /delete <agent>');
    const [text, kb] = confirmDelete(await services.hub.agents.find(traderId(ctx), ref));
    await ctx.reply(text, { ...html, reply_markup: kb });
  });
  onAgentButton(composer, services.hub, ['d', 'D', 'X'], async (ctx, action, a) => {
    if (action === 'd') {
      await ctx.answerCallbackQuery();
      const [text, kb] = confirmDelete(a);
      await ctx.editMessageText(text, { ...html, reply_markup: kb }).catch(() => ctx.reply(text, { ...html, reply_markup: kb }));
      return;
    }
    await ctx.answerCallbackQuery(action === 'X' ? 'Closing and deleting…' : 'Deleting…');
    return deleteAgent(services, ctx, a, action === 'X');
  });
  return composer;
}
