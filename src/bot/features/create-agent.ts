/**
 * /create: a step-by-step conversation that ends in a summary with Launch / Edit / Cancel.
 * Launch creates the agent and edits ONE progress message through creating → starting →
 * running ✅ (or the reason it failed).
 */
import { Composer, type Api } from 'grammy';
import { HubError } from '../../hub/errors.js';
import type { AgentInput } from '../../hub/agents/agent-input.js';
import {
  askCapital,
  askLeverage,
  askName,
  askProvider,
  askRisk,
  askStopLoss,
  askSymbol,
  askTakeProfit,
  askTimeframe,
  askTpSlMode,
  askTradingMode,
  draftSummary,
  FIELD_LABELS,
  type Draft,
  type StepEnv,
} from '../agent-steps.js';
import { askLlmBudget } from '../budget-step.js';
import type { BotContext, FlowArgs, FlowContext, FlowConversation } from '../context.js';
import { reviewDraft, type Step } from '../draft-review.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

export const CREATE_FLOW = 'create';
const html = { parse_mode: 'HTML' as const };

const STEPS: Array<[keyof AgentInput, Step<Draft>]> = [
  ['symbol', askSymbol],
  ['name', (env, d) => askName(env, d)],
  ['amountUsdt', askCapital],
  ['leverage', askLeverage],
  ['riskProfile', askRisk],
  ['timeframe', askTimeframe],
  ['tpPct', askTakeProfit],
  ['slPct', askStopLoss],
  ['tpSlMode', askTpSlMode],
  ['llmProvider', askProvider],
  ['llmDailyBudgetUsd', (env, d) => askLlmBudget(env, d)],
  ['liveMode', askTradingMode],
];

/**
 * Creates and starts the agent, editing the progress message as the hub reports stages.
 * Runs inside `conversation.external`: returns plain JSON.
 */
export async function launchAgent(services: BotServices, api: Api, userId: string, draft: Draft, chatId: number, messageId: number) {
  const edit = (text: string) => api.editMessageText(chatId, messageId, text, html).catch(() => undefined);
  let agent: { id: string; shortId: string; name: string } | undefined;
  try {
    const created = await services.hub.agents.create(userId, draft as AgentInput);
    agent = { id: created.id, shortId: created.shortId, name: created.name };
    const name = escapeHtml(created.name);
    let edits = Promise.resolve();
    await services.hub.lifecycle.start(userId, created.id, (stage) => {
      if (stage === 'starting')
        edits = edits.then(async () => void (await edit(`⏳ Starting <b>${name}</b>… waiting for it to report healthy.`)));
    });
    await edits;
    await edit(`✅ <b>${name}</b> is running. /agent ${created.shortId} shows its card; alerts come here.`);
    return { ok: true as const, ...agent };
  } catch (error) {
    const reason = error instanceof HubError ? error.userMessage : 'Something went wrong on our side.';
    if (!(error instanceof HubError)) services.logger.error({ err: error, userId }, 'launch failed');
    const saved = agent ? `\nThe agent is saved as <code>${agent.shortId}</code>: fix the cause, then /startagent ${agent.shortId}.` : '';
    await edit(`❌ Could not launch: ${escapeHtml(reason)}${saved}`);
    return { ok: false as const, reason, created: agent !== undefined };
  }
}

/**
 * The steps a prefilled creation (🚀 Launch agent from a backtest) still asks: those whose field
 * is not given. A prefilled live mode is asked again, so live trading still goes through the keys.
 */
function stepsToAsk(prefill: Draft | undefined): typeof STEPS {
  if (!prefill) return STEPS;
  return STEPS.filter(([field]) => prefill[field] === undefined || (field === 'liveMode' && prefill.liveMode !== false));
}

export function createFlow(services: BotServices) {
  return async function create(conversation: FlowConversation, ctx: FlowContext, args: FlowArgs): Promise<void> {
    const flow = '/create';
    const env: StepEnv = { conversation, ctx, flow, services, args };
    const draft: Draft = { ...args.prefill };
    await ctx.reply(
      args.prefill
        ? "🛠 Let's create a trading agent with your backtest's settings; a few questions remain. /cancel stops at any step."
        : "🛠 Let's create a trading agent. /cancel stops at any step.",
    );
    for (const [, step] of stepsToAsk(args.prefill)) await step(env, draft);

    const go = await reviewDraft(env, draft, {
      summary: draftSummary,
      steps: STEPS,
      labels: FIELD_LABELS,
      goText: '🚀 Launch',
      goData: 'f:sum:launch',
    });
    if (!go) {
      await ctx.reply('✖️ Cancelled. No agent was created.');
      return;
    }
    const progress = await ctx.reply(`⏳ Creating <b>${escapeHtml(draft.name ?? '')}</b>…`, html);
    await conversation.external((outside) => launchAgent(services, outside.api, args.userId, draft, progress.chat.id, progress.message_id));
  };
}

/**
 * Opens /create for the caller, `prefill` answering some of its questions (plain JSON, stored with
 * the flow). Eleven questions answered only to hear "over your quota" at Launch would be unkind;
 * the hub checks again (atomically) when it creates and starts the agent.
 */
export async function enterCreateFlow(services: BotServices, ctx: BotContext, prefill?: Draft): Promise<void> {
  await services.hub.agents.checkQuota(ctx.trader!.id);
  await ctx.conversation.enter(CREATE_FLOW, { userId: ctx.trader!.id, ...(prefill ? { prefill } : {}) } satisfies FlowArgs);
}

export function createCreateFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('create', (ctx) => enterCreateFlow(services, ctx));
  return composer;
}
