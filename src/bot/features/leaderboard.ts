/**
 * /leaderboard, /optin <agent> and /optout [agent]: paper agents whose owners chose to show them,
 * ranked by ROI. The board shows agent names and figures only — never an owner's name, username
 * or id — and an agent is on it only after its owner's /optin.
 */
import { Composer } from 'grammy';
import { leaderboardMessages } from '../analytics-text.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

const html = { parse_mode: 'HTML' as const };

export function createLeaderboardFeature(services: BotServices): Composer<BotContext> {
  const { hub } = services;
  const composer = new Composer<BotContext>();
  const me = (ctx: BotContext) => ctx.trader!.id;

  composer.command('leaderboard', async (ctx) => {
    if (ctx.match.trim()) return ctx.reply('⚠️ /leaderboard takes no argument: send just /leaderboard.');
    for (const text of leaderboardMessages(await hub.analytics.leaderboard())) await ctx.reply(text, html);
  });

  composer.command('optin', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('⚠️ Name the agent to show on the leaderboard, e.g. /optin btc-bot (see /agents).');
    const agent = await hub.agents.find(me(ctx), ref);
    const name = escapeHtml(agent.name);
    if (agent.liveMode) return ctx.reply(`⚠️ <b>${name}</b> trades live: only paper agents take part in the leaderboard.`, html);
    await hub.analytics.setLeaderboardOptIn(me(ctx), agent.id, true);
    await ctx.reply(
      `🏆 <b>${name}</b> is on the /leaderboard: its name and results are shown, never who owns it. /optout ${name} takes it off.`,
      html,
    );
  });

  composer.command('optout', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) {
      const names = await hub.analytics.optOutAll(me(ctx));
      return ctx.reply(
        names.length ? `Taken off the leaderboard: ${names.map(escapeHtml).join(', ')}.` : 'None of your agents is on the leaderboard.',
        html,
      );
    }
    const agent = await hub.agents.find(me(ctx), ref);
    await hub.analytics.setLeaderboardOptIn(me(ctx), agent.id, false);
    await ctx.reply(`<b>${escapeHtml(agent.name)}</b> is off the leaderboard.`, html);
  });
  return composer;
}
