/**
 * /edit <agent>: pick a field, answer with the same validation as /create, and learn which
 * changes the running agent took live, which need a restart, and which it could not take now
 * (saved; they apply at the next start).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AgentInput } from '../../hub/agents/agent-input.js';
import { HubError } from '../../hub/errors.js';
import {
  askCapital,
  askLeverage,
  askName,
  askProvider,
  askRisk,
  askStopLoss,
  askTakeProfit,
  askTimeframe,
  askTpSlMode,
  askTradingMode,
  FIELD_LABELS,
  type Draft,
  type StepEnv,
} from '../agent-steps.js';
import { askLlmBudget } from '../budget-step.js';
import type { BotContext, FlowArgs, FlowContext, FlowConversation } from '../context.js';
import { ask, invalid, valid } from '../flow.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

export const EDIT_FLOW = 'edit';
const html = { parse_mode: 'HTML' as const };

const EDITABLE: Array<[keyof AgentInput, (env: StepEnv, d: Draft, current: Draft) => Promise<void>]> = [
  ['name', (env, d, current) => askName(env, d, current.name)],
  ['amountUsdt', askCapital],
  ['leverage', askLeverage],
  ['riskProfile', askRisk],
  ['timeframe', askTimeframe],
  ['tpPct', askTakeProfit],
  ['slPct', (env, d, current) => askStopLoss(env, Object.assign(d, { leverage: d.leverage ?? current.leverage }))],
  ['tpSlMode', askTpSlMode],
  ['llmProvider', askProvider],
  ['llmDailyBudgetUsd', (env, d) => askLlmBudget(env, d, { skipWithoutLlm: false })],
  ['liveMode', askTradingMode],
];

const label = (f: keyof AgentInput) => FIELD_LABELS[f] ?? f;

export function editFlow(services: BotServices) {
  return async function edit(conversation: FlowConversation, ctx: FlowContext, args: FlowArgs): Promise<void> {
    const flow = '/edit';
    const env: StepEnv = { conversation, ctx, flow, services, args };
    for (;;) {
      const current = await conversation.external(async () => {
        const a = await services.hub.agents.find(args.userId, args.agentId!);
        return { name: a.name, leverage: a.leverage, symbol: a.symbol, status: a.status };
      });
      const kb = new InlineKeyboard();
      EDITABLE.forEach(([field], i) => {
        kb.text(label(field), `f:ef:${field}`);
        if (i % 3 === 2) kb.row();
      });
      kb.row().text('✅ Done', 'f:ef:done');
      const field = await ask(
        conversation,
        ctx,
        flow,
        { text: `✏️ Edit <b>${escapeHtml(current.name)}</b>: which field?`, keyboard: kb },
        (a) => {
          const f = a.data?.startsWith('f:ef:') ? a.data.slice(5) : undefined;
          return f === 'done' || EDITABLE.some(([k]) => k === f) ? valid(f!) : invalid('Tap one of the fields, or Done.');
        },
      );
      if (field === 'done') {
        await ctx.reply('👍 Done editing.');
        return;
      }
      const patch: Draft = { symbol: current.symbol };
      await EDITABLE.find(([k]) => k === field)![1](env, patch, current);
      const changes: Draft = { [field]: patch[field as keyof Draft] };
      const result = await conversation.external(async () => {
        try {
          const r = await services.hub.settings.edit(args.userId, args.agentId!, changes);
          const notApplied = r.notApplied ? { fields: r.notApplied.fields.map(String), reason: r.notApplied.reason } : null;
          return {
            ok: true as const,
            appliedLive: r.appliedLive.map(String),
            needsRestart: r.needsRestart.map(String),
            notApplied,
            status: r.agent.status,
          };
        } catch (error) {
          return { ok: false as const, message: error instanceof HubError ? error.userMessage : 'Saving failed on our side.' };
        }
      });
      if (!result.ok) {
        await ctx.reply(`⚠️ ${escapeHtml(result.message)}`, html);
        continue;
      }
      const labels = (fields: string[]) => fields.map((f) => label(f as keyof AgentInput)).join(', ');
      const parts = ['💾 Saved.'];
      if (result.appliedLive.length) parts.push(`Applied live: ${labels(result.appliedLive)}.`);
      if (result.notApplied)
        parts.push(
          `Not applied live: ${labels(result.notApplied.fields)} — ${result.notApplied.reason}; it takes effect at the next start.`,
        );
      if (result.needsRestart.length) {
        parts.push(`Needs a restart: ${labels(result.needsRestart)} — /stop then /startagent ${args.agentId!.slice(0, 8)}.`);
      }
      if (!result.appliedLive.length && !result.notApplied && !result.needsRestart.length) {
        parts.push(result.status === 'running' ? 'Nothing changed.' : 'It takes effect at the next start.');
      }
      await ctx.reply(parts.join(' '));
    }
  };
}

export function createEditFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command('edit', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /edit <agent name or id>');
    const agent = await services.hub.agents.find(ctx.trader!.id, ref);
    await ctx.conversation.enter(EDIT_FLOW, { userId: ctx.trader!.id, agentId: agent.id } satisfies FlowArgs);
  });
  return composer;
}
