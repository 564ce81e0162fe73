/**
 * /backtests: the caller's recent runs, newest first, a numbered button each that sends the run
 * again from the store (table and images, ../backtest-send.ts); and 🚀 Launch agent with these
 * settings under a result, which opens /create with the backtest's settings answered (the same
 * flow and checks as ever: a name, the LLM, and for live trading the keys). Buttons belong to
 * their asker (../owned-callback.ts) and runs are read scoped to the caller.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { agentPrefill } from '../backtest-args.js';
import { listText } from '../backtest-format.js';
import { LAUNCH_PREFIX, sendRecord } from '../backtest-send.js';
import type { BotContext } from '../context.js';
import { ownedCallbackData, ownedPress } from '../owned-callback.js';
import type { BotServices } from '../services.js';
import { traderId } from './agent-card.js';
import { backtestChatDeps, chatTarget } from './backtest.js';
import { enterCreateFlow } from './create-agent.js';

/** Callback prefix of the numbered buttons of /backtests: `bts:<asker>:<run id>`. */
const RESEND_PREFIX = 'bts';
export const BACKTESTS_LISTED = 10;
const STALE = 'This button is out of date. Send /backtests again.';
const GONE = 'That run is not stored any more. Send /backtests for the ones that are.';

/** The one part of a button's data: the run id. */
const runIdOf = ([id, ...rest]: string[]) => (id && !rest.length ? id : null);

export function createBacktestsFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const { backtests } = services.hub;

  composer.command('backtests', async (ctx) => {
    const items = await backtests.list(traderId(ctx), BACKTESTS_LISTED);
    const kb = new InlineKeyboard();
    items.forEach((item, i) => {
      kb.text(String(i + 1), ownedCallbackData(RESEND_PREFIX, ctx.from!.id, [item.id]));
      if (i % 5 === 4) kb.row();
    });
    await ctx.reply(listText(items), { parse_mode: 'HTML', ...(items.length ? { reply_markup: kb } : {}) });
  });

  composer.callbackQuery(new RegExp(`^${RESEND_PREFIX}:`), async (ctx) => {
    const press = await ownedPress(ctx, RESEND_PREFIX, runIdOf, STALE);
    if (!press) return;
    const record = await backtests.get(traderId(ctx), press.value);
    if (!record) return ctx.answerCallbackQuery({ text: GONE, show_alert: true });
    await ctx.answerCallbackQuery();
    await sendRecord(backtestChatDeps(services), chatTarget(ctx, traderId(ctx)), record);
  });

  composer.callbackQuery(new RegExp(`^${LAUNCH_PREFIX}:`), async (ctx) => {
    const press = await ownedPress(ctx, LAUNCH_PREFIX, runIdOf, STALE);
    if (!press) return;
    const record = await backtests.get(traderId(ctx), press.value);
    if (record?.kind !== 'backtest') return ctx.answerCallbackQuery({ text: GONE, show_alert: true });
    await ctx.answerCallbackQuery();
    await enterCreateFlow(services, ctx, agentPrefill(record.result.params));
  });

  return composer;
}
