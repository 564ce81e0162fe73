/**
 * The question about an agent's daily LLM budget in USD, shared by /create (after the LLM is
 * chosen; skipped for an agent on rules only) and /edit. Validated by the hub's own rule
 * (`validateField('llmDailyBudgetUsd')`), so the chat and the API refuse the same values.
 */
import { InlineKeyboard } from 'grammy';
import { check, parseNumber, type Draft, type StepEnv } from './agent-steps.js';
import { ask, invalid, valid } from './flow.js';

const NO_BUDGET = /^(none|no|skip|off|-)$/i;

export async function askLlmBudget(
  env: StepEnv,
  draft: Draft,
  options: { skipWithoutLlm: boolean } = { skipWithoutLlm: true },
): Promise<void> {
  if (options.skipWithoutLlm && !draft.llmProvider) {
    draft.llmDailyBudgetUsd = null;
    return;
  }
  const kb = new InlineKeyboard()
    .text('$0.50', 'f:bud:0.5')
    .text('$1', 'f:bud:1')
    .text('$5', 'f:bud:5')
    .row()
    .text('No budget', 'f:bud:none');
  draft.llmDailyBudgetUsd = await ask(
    env.conversation,
    env.ctx,
    env.flow,
    {
      text: '💸 Daily LLM budget in USD? When today’s LLM cost reaches it, the agent plans with its rules until 00:00 UTC. Type e.g. 0.50, or tap No budget.',
      keyboard: kb,
    },
    (a) => {
      const raw = a.data?.startsWith('f:bud:') ? a.data.slice(6) : a.text?.trim().replace(/^\$/, '');
      if (!raw || NO_BUDGET.test(raw)) return raw ? valid(null) : invalid('Type a budget in USD like 0.50, or none.');
      const n = parseNumber(raw);
      return n === undefined
        ? invalid(`"${raw.slice(0, 20).replace(/[<>&]/g, '')}" is not an amount. Type a budget in USD like 0.50, or none.`)
        : check('llmDailyBudgetUsd', n, env.services.maxLeverage);
    },
  );
}
