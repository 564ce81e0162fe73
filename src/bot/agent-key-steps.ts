/**
 * The agent questions whose answers need a key: the LLM that supervises the agent and paper or
 * live trading. Each offers only what the trader's stored keys allow, and can ask for the missing
 * key on the spot (through the secret prompt, never the chat history) before going on.
 */
import { InlineKeyboard } from 'grammy';
import { LLM_PROVIDERS, type LlmProvider } from '../hub/agents/agent-input.js';
import { availableLlmProviders, hasExchangeKeys } from '../hub/secrets/key-availability.js';
import { PROVIDER_SECRET } from '../hub/secrets/secret-names.js';
import type { Draft, StepEnv } from './agent-steps.js';
import { ask, askSecret, invalid, valid } from './flow.js';

export async function askProvider(env: StepEnv, draft: Draft): Promise<void> {
  const { vault } = env.services;
  for (;;) {
    const available = await env.conversation.external(() => availableLlmProviders(vault, env.args.userId, env.args.agentId));
    const kb = new InlineKeyboard();
    for (const p of available) kb.text(p, `f:llm:${p}`);
    kb.row().text('None (rules only)', 'f:llm:none').row().text('➕ Add a key now', 'f:llm:add');
    const note = available.length ? '' : '\nNo LLM key is available to you yet: add one, or run on rules only.';
    const choice = await ask(
      env.conversation,
      env.ctx,
      env.flow,
      { text: `🧠 Which LLM should supervise the agent?${note}`, keyboard: kb },
      (a) => {
        const v = a.data?.startsWith('f:llm:') ? a.data.slice(6) : a.text?.toLowerCase();
        if (v === 'none' || v === 'add') return valid(v);
        if (v && (available as string[]).includes(v)) return valid(v);
        if (v && (LLM_PROVIDERS as readonly string[]).includes(v))
          return invalid(`There is no ${v} key for you yet. Tap "Add a key now" to store one.`);
        return invalid(`Choose ${available.length ? `${available.join(', ')}, ` : ''}none, or add a key.`);
      },
    );
    if (choice === 'none') {
      draft.llmProvider = null;
      return;
    }
    if (choice !== 'add') {
      draft.llmProvider = choice;
      return;
    }
    const pkb = new InlineKeyboard();
    for (const p of LLM_PROVIDERS) pkb.text(p, `f:addllm:${p}`);
    const provider = await ask(env.conversation, env.ctx, env.flow, { text: 'A key for which provider?', keyboard: pkb }, (a) => {
      const v = a.data?.startsWith('f:addllm:') ? a.data.slice(9) : a.text?.toLowerCase();
      return v && (LLM_PROVIDERS as readonly string[]).includes(v)
        ? valid(v as LlmProvider)
        : invalid(`Choose one of ${LLM_PROVIDERS.join(', ')}.`);
    });
    if (!(await askSecret(env.conversation, env.ctx, env.flow, PROVIDER_SECRET[provider], 'user'))) continue;
    draft.llmProvider = provider;
    return;
  }
}

export async function askTradingMode(env: StepEnv, draft: Draft): Promise<void> {
  const { vault } = env.services;
  const keys = await env.conversation.external(() => hasExchangeKeys(vault, env.args.userId, env.args.agentId));
  const kb = new InlineKeyboard()
    .text('📝 Paper (simulated fills)', 'f:live:paper')
    .row()
    .text(keys ? '💰 Live on HashKey' : '💰 Live — store your own HashKey keys first', 'f:live:live');
  const choice = await ask(env.conversation, env.ctx, env.flow, { text: 'Paper trading or live money?', keyboard: kb }, (a) => {
    const v = a.data?.startsWith('f:live:') ? a.data.slice(7) : a.text?.toLowerCase();
    return v === 'paper' || v === 'live' ? valid(v) : invalid('Choose paper or live.');
  });
  if (choice === 'paper') {
    draft.liveMode = false;
    return;
  }
  if (!keys) {
    await env.ctx.reply('Live trading needs your own HashKey API key and secret (trade permission, no withdrawals).');
    const saved =
      (await askSecret(env.conversation, env.ctx, env.flow, 'HASHKEY_API_KEY', 'user')) &&
      (await askSecret(env.conversation, env.ctx, env.flow, 'HASHKEY_SECRET', 'user'));
    if (!saved) return askTradingMode(env, draft);
  }
  draft.liveMode = true;
}
