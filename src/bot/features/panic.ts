/**
 * /panic: stops every running agent of the caller after a typed confirmation, then lists what
 * stopped, what is still active, and every stopped agent still holding a position, each with a
 * Close now button (those buttons are routed by ./agent-control.ts).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, FlowArgs, FlowContext, FlowConversation } from '../context.js';
import { escapeHtml, holdsPositionStopped, isActive, positionSummary } from '../format.js';
import type { BotServices } from '../services.js';
import { traderId } from './agent-card.js';

export const PANIC_FLOW = 'panic';
const PANIC_WORD = 'STOP ALL';
const html = { parse_mode: 'HTML' as const };

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

export function createPanicFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('panic', (ctx) => ctx.conversation.enter(PANIC_FLOW, { userId: traderId(ctx) } satisfies FlowArgs));
  return composer;
}
