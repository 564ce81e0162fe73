/**
 * /backtest: a strategy tested on past bars with the agents' own engine. `/backtest` alone asks
 * step by step (the /create questions, plus strategy and period; ../backtest-steps.ts), ending in
 * a summary with ▶️ Run / Edit / Cancel; `/backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5
 * lev=3` runs at once (../backtest-line.ts), the defaults it took stated in the reply. An agent
 * card's 🧪 Backtest these settings runs the agent's settings over 30 days. The run itself, its
 * progress message with ✖️ Cancel and the result: ../backtest-chat.ts.
 */
import { Composer } from 'grammy';
import type { Context } from 'grammy';
import { requestOfAgent, toBacktestParams, type BacktestRequest } from '../backtest-args.js';
import { CANCEL_PREFIX, runInChat, type BacktestChatDeps, type ChatTarget } from '../backtest-chat.js';
import { requestSummary, runTitle } from '../backtest-format.js';
import { parseBacktestLine } from '../backtest-line.js';
import { BACKTEST_LABELS, BACKTEST_STEPS, requestOfDraft, type BacktestDraft } from '../backtest-steps.js';
import type { StepEnv } from '../agent-steps.js';
import type { BotContext, FlowArgs, FlowContext, FlowConversation } from '../context.js';
import { reviewDraft } from '../draft-review.js';
import { escapeHtml } from '../format.js';
import { ownedPress } from '../owned-callback.js';
import type { BotServices } from '../services.js';
import { onAgentButton, traderId } from './agent-card.js';

export const BACKTEST_FLOW = 'backtest';
const html = { parse_mode: 'HTML' as const };
export const BACKTEST_EXAMPLE = '/backtest BTCUSDT 15m 90d trend_following tp=3 sl=1.5 lev=3';

/** What a chat run needs of the hub and the bot. */
export function backtestChatDeps(services: BotServices): BacktestChatDeps {
  const { setTimeout, clearTimeout } = services.timers;
  return {
    backtests: services.hub.backtests,
    charts: services.hub.charts,
    logger: services.logger,
    timers: { now: services.clock, setTimeout, clearTimeout },
  };
}

/** The chat of the update and its sender, for a run owned by `ownerId`. */
export function chatTarget(ctx: Context & { trader?: BotContext['trader'] }, ownerId: string): ChatTarget {
  return {
    api: ctx.api,
    chatId: ctx.chat!.id,
    telegramUserId: ctx.from!.id,
    ownerId,
    ...(ctx.trader?.timezone ? { timeZone: ctx.trader.timezone } : {}),
  };
}

/** The progress message's first lines: what runs, and the defaults it took (one-line form). */
function heading(request: BacktestRequest, defaulted: string[], of?: string): string {
  return [
    `🧪 <b>Backtest</b>${of ? ` of ${of}` : ''} · ${runTitle(request, request.period)}`,
    ...(defaulted.length ? [`Defaults: ${escapeHtml(defaulted.join(', '))}.`] : []),
  ].join('\n');
}

/** Submits `request` as of now and follows it in the chat of `ctx`; returns once its progress message is sent. */
export async function startBacktest(
  services: BotServices,
  ctx: Context & { trader?: BotContext['trader'] },
  ownerId: string,
  request: BacktestRequest,
  defaulted: string[] = [],
  of?: string,
): Promise<void> {
  const params = toBacktestParams(request, services.clock());
  await runInChat(backtestChatDeps(services), chatTarget(ctx, ownerId), { kind: 'backtest', params }, heading(request, defaulted, of));
}

export function backtestFlow(services: BotServices) {
  return async function backtest(conversation: FlowConversation, ctx: FlowContext, args: FlowArgs): Promise<void> {
    const env: StepEnv = { conversation, ctx, flow: '/backtest', services, args };
    const draft: BacktestDraft = {};
    await ctx.reply("🧪 Let's test a strategy on past bars, with the agents' own engine. /cancel stops at any step.");
    for (const [, step] of BACKTEST_STEPS) await step(env, draft);
    const go = await reviewDraft(env, draft, {
      summary: (d) => requestSummary(requestOfDraft(d)),
      steps: BACKTEST_STEPS,
      labels: BACKTEST_LABELS,
      goText: '▶️ Run',
      goData: 'f:sum:run',
    });
    if (!go) {
      await ctx.reply('✖️ Cancelled. Nothing was run.');
      return;
    }
    const request = requestOfDraft(draft);
    await conversation.external((outside) => startBacktest(services, outside, args.userId, request));
  };
}

export function createBacktestFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('backtest', async (ctx) => {
    const text = ctx.match.trim();
    if (!text) return ctx.conversation.enter(BACKTEST_FLOW, { userId: traderId(ctx) } satisfies FlowArgs);
    const parsed = parseBacktestLine(text, {
      supportedSymbols: services.supportedSymbols,
      maxLeverage: services.maxLeverage,
      nowMs: services.clock(),
    });
    if (!parsed.ok)
      return ctx.reply(`⚠️ ${parsed.message}\nFor example ${BACKTEST_EXAMPLE}, or /backtest alone to answer step by step.`, html);
    await startBacktest(services, ctx, traderId(ctx), parsed.value.request, parsed.value.defaulted);
  });

  // ✖️ Cancel under a progress message: only its asker; the hub checks the job is theirs too.
  composer.callbackQuery(new RegExp(`^${CANCEL_PREFIX}:`), async (ctx) => {
    const press = await ownedPress(ctx, CANCEL_PREFIX, ([id, ...rest]) => (id && !rest.length ? id : null), 'This button is out of date.');
    if (!press) return;
    const cancelled = services.hub.backtests.cancel(traderId(ctx), press.value);
    await ctx.answerCallbackQuery(cancelled ? 'Cancelling…' : 'This backtest is over already.');
  });

  onAgentButton(composer, services.hub, ['b'], async (ctx, _action, agent) => {
    await ctx.answerCallbackQuery('Backtesting the last 30 days…');
    await startBacktest(services, ctx, traderId(ctx), requestOfAgent(agent), [], `<b>${escapeHtml(agent.name)}</b>`);
  });

  return composer;
}
