/**
 * Trading controls of an agent that keep it running: /forceexit (close the position now, after a
 * Yes/Cancel confirmation), /pause (no new entries; the open position stays managed) and /resume
 * (entries again), with the card's buttons (src/bot/control-buttons.ts). Mounted before the
 * agents feature: /resume of an agent that is not paused (or stopped) goes on to its /resume,
 * the old alias of /startagent, so a stopped agent is started as before.
 *
 * Money: the confirmation names the trade it was asked for, and the hub closes that trade only
 * (once, however often Yes is tapped and whatever closes it at the same time); a position opened
 * since is never closed by an old tap. Every lookup is scoped to the caller, so another user's
 * agent answers like a missing one.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AgentView } from '../../hub/agents/agent-view.js';
import type { PauseChange } from '../../hub/agents/agent-settings.js';
import { HubError } from '../../hub/errors.js';
import type { OrderResult } from '../../shared/wire.js';
import type { BotContext } from '../context.js';
import { CONTROL_CALLBACK, controlData, tradeTag } from '../control-buttons.js';
import { editInPlace } from '../edit-in-place.js';
import { closeSummary, escapeHtml, fmtPnl, isActive, positionSummary } from '../format.js';
import type { BotServices } from '../services.js';
import { agentOfButton, editCard as editCardAt, traderId } from './agent-card.js';

const html = { parse_mode: 'HTML' as const };

const USAGE = {
  forceexit: 'Usage: /forceexit <agent> — closes its open position at the market now, after a confirmation; the agent keeps running.',
  pause:
    'Usage: /pause <agent> — it opens no new position; an open one stays managed (TP/SL, supervisor, drawdown stop). /resume <agent> allows entries again.',
  resume: 'Usage: /resume <agent> — allows a paused agent to open positions again, or starts a stopped agent (like /startagent).',
};

/** The force exit question for `a` with Yes/Cancel; without buttons when it holds no position. */
function forceExitQuestion(a: AgentView): [string, InlineKeyboard | undefined] {
  const name = `<b>${escapeHtml(a.name)}</b>`;
  if (!a.position) return [`${name} holds no open position: nothing to close.`, undefined];
  const keeps = isActive(a)
    ? 'It keeps running and may open a new position at its next signal (/pause stops new entries).'
    : `It stays ${a.status}.`;
  const text =
    `🚪 Force exit ${name}? Its ${a.liveMode ? 'live' : 'paper'} position ${positionSummary(a.symbol, a.position)} ` +
    `(unrealized ${fmtPnl(a.unrealizedPnl)} USDT) is closed at the market now.\n${keeps}`;
  const keyboard = new InlineKeyboard()
    .text('✅ Yes, close it now', controlData.forceExit(a.id, a.position.tradeId))
    .text('Cancel', controlData.cancel(a.id));
  return [text, keyboard];
}

/** What a force exit did, in words; `closed` null: the agent no longer held that trade. */
function forceExitOutcome(agent: AgentView, closed: OrderResult | null): string {
  const name = `<b>${escapeHtml(agent.name)}</b>`;
  if (closed && !closed.replayed) {
    const keeps = isActive(agent) ? 'It keeps running.' : `It stays ${agent.status}.`;
    return `✅ ${name}: force exit — ${closeSummary(closed)}. ${keeps}`;
  }
  if (closed) {
    const why = closed.closeReason ? ` (${escapeHtml(closed.closeReason)})` : '';
    return `${name}: the position was closed already${why}, before the force exit: ${closeSummary(closed)}. Nothing more was closed.`;
  }
  if (agent.position) {
    return (
      `${name} no longer holds the position you confirmed (it was closed); it now holds ${positionSummary(agent.symbol, agent.position)}. ` +
      `Send /forceexit ${escapeHtml(agent.name)} again to close that one.`
    );
  }
  return `${name} holds no open position now: it was closed already. Nothing more was closed.`;
}

/** What a pause or resume did, in words. */
function pauseOutcome(paused: boolean, change: PauseChange): string {
  const { agent } = change;
  const name = `<b>${escapeHtml(agent.name)}</b>`;
  const running = agent.status === 'running' || agent.status === 'starting';
  let text: string;
  if (paused) {
    text = change.changed
      ? `⏸ ${name} paused: it opens no new position; ${agent.position ? 'its open position' : 'an open one'} stays managed (TP/SL, supervisor, drawdown stop).`
      : `${name} is already paused (entries off).`;
    if (!running) text += ' When started, it stays paused.';
    text += ` /resume ${escapeHtml(agent.name)} allows entries again.`;
  } else {
    text = change.changed ? `▶️ ${name} resumed: new entries are allowed again.` : `${name} is not paused.`;
  }
  if (change.notApplied) {
    text += paused
      ? `\n⚠️ The running agent has not taken it yet (${escapeHtml(change.notApplied)}): the hub refuses its new entries all the same, and it starts paused.`
      : `\n⚠️ The running agent has not taken it yet (${escapeHtml(change.notApplied)}): send /resume again, or it takes effect at its next start.`;
  }
  return text;
}

export function createAgentControlsFeature(services: BotServices): Composer<BotContext> {
  const { hub, clock } = services;
  const composer = new Composer<BotContext>();
  const me = traderId;

  const editCard = (ctx: BotContext, a: AgentView) => editCardAt(ctx, a, clock);
  /** Replaces the pressed message with `text` (a new message when it cannot be edited). */
  async function replaceWith(ctx: BotContext, text: string, keyboard?: InlineKeyboard): Promise<void> {
    const extra = { ...html, ...(keyboard ? { reply_markup: keyboard } : {}) };
    await editInPlace(ctx, text, extra).catch(() => ctx.reply(text, extra));
  }

  /**
   * Yes: closes the trade the question named (`tag`) if the agent still holds it; else nothing.
   * The tap is answered first (a live close may outlast the callback's life); a refusal is said
   * in the chat, and the question stays for another try.
   */
  async function confirmForceExit(ctx: BotContext, a: AgentView, tag: string | undefined): Promise<void> {
    const shown = a.position && tradeTag(a.position.tradeId) === tag ? a.position.tradeId : null;
    await ctx.answerCallbackQuery(shown ? 'Closing…' : 'Nothing to close');
    if (!shown) return replaceWith(ctx, forceExitOutcome(a, null));
    let done: Awaited<ReturnType<typeof hub.lifecycle.forceExit>>;
    try {
      done = await hub.lifecycle.forceExit(me(ctx), a.id, shown);
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      await ctx.reply(`⚠️ Force exit of <b>${escapeHtml(a.name)}</b> not done: ${escapeHtml(error.userMessage)}`, html);
      return;
    }
    await replaceWith(ctx, forceExitOutcome(done.agent, done.closed));
  }

  composer.command('forceexit', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(USAGE.forceexit);
    const [text, keyboard] = forceExitQuestion(await hub.agents.find(me(ctx), ref));
    await ctx.reply(text, { ...html, ...(keyboard ? { reply_markup: keyboard } : {}) });
  });

  composer.command('pause', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(USAGE.pause);
    await ctx.reply(pauseOutcome(true, await hub.settings.setPaused(me(ctx), ref, true)), html);
  });

  composer.command('resume', async (ctx, next) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply(USAGE.resume);
    const a = await hub.agents.find(me(ctx), ref);
    if (a.paused) {
      const change = await hub.settings.setPaused(me(ctx), a.id, false);
      await ctx.reply(pauseOutcome(false, change), html);
      // A stopped agent: /resume also starts it, as it always has (the agents feature).
      return isActive(change.agent) ? undefined : next();
    }
    if (a.status !== 'running') return next();
    // Sent again: repairs a resume the running agent did not take the first time.
    const change = await hub.settings.setPaused(me(ctx), a.id, false);
    await ctx.reply(`<b>${escapeHtml(a.name)}</b> is already running and not paused: nothing to resume.`, html);
    if (change.notApplied) await ctx.reply(pauseOutcome(false, change), html);
  });

  composer.callbackQuery(CONTROL_CALLBACK, async (ctx) => {
    const [, action, id, tag] = ctx.match as unknown as [string, string, string, string | undefined];
    const a = await agentOfButton(ctx, hub, id);
    if (!a) return;
    switch (action) {
      case 'f': {
        await ctx.answerCallbackQuery();
        const [text, keyboard] = forceExitQuestion(a);
        return replaceWith(ctx, text, keyboard);
      }
      case 'y':
        return confirmForceExit(ctx, a, tag);
      case 'n':
        await ctx.answerCallbackQuery('Cancelled: nothing was closed');
        return editCard(ctx, a);
      case 'p':
      case 'u': {
        const change = await hub.settings.setPaused(me(ctx), a.id, action === 'p');
        await ctx.answerCallbackQuery(action === 'p' ? 'Paused: no new entries' : 'Resumed: entries allowed');
        await editCard(ctx, change.agent);
        if (change.notApplied) await ctx.reply(pauseOutcome(action === 'p', change), html);
        return;
      }
    }
  });
  return composer;
}
