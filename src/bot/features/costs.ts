/**
 * /costs [agent]: what the caller's agents spent on LLMs, per agent and in total, today (UTC) and
 * all time, in tokens and USD (src/hub/llm/cost-report.ts). Scoped to the caller: another user's
 * agent answers like a missing one.
 */
import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { costsText } from '../cost-format.js';
import { splitMessages } from '../format.js';
import type { BotServices } from '../services.js';

export function createCostsFeature(services: BotServices): Composer<BotContext> {
  const { hub } = services;
  const composer = new Composer<BotContext>();
  composer.command('costs', async (ctx) => {
    const ownerId = ctx.trader!.id;
    const ref = ctx.match.trim();
    const agentId = ref ? (await hub.agents.find(ownerId, ref)).id : undefined;
    const costs = await hub.llmCosts.ofOwner(ownerId, agentId);
    if (!costs.agents.length) return ctx.reply('You have no agents yet. /create makes one.');
    for (const text of splitMessages(costsText(costs))) await ctx.reply(text, { parse_mode: 'HTML' });
  });
  return composer;
}
