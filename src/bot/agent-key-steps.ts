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

interface TradingModeOptions {
  /**
   * Ask for the HashKey keys on the spot when live is chosen without them (the default). False
   * when nothing trades yet (a backtest records the mode an agent launched from it would use; the
   * launch asks for the keys then).
   */
  keysNow?: boolean;
  /** Said under the question. */
  note?: string;
}

/** Paper or live; live without the trader's HashKey keys asks for them on the spot. */
export async function askTradingMode(env: StepEnv, draft: Draft): Promise<void> {
  return tradingMode(env, draft, {});
}

/**
 * Paper or live for an agent launched later from a backtest: nothing trades yet, so no keys are
 * asked now (the launch goes through /create, which asks for them).
 */
export async function askLaunchMode(env: StepEnv, draft: Draft): Promise<void> {
  return tradingMode(env, draft, {
    keysNow: false,
    note: 'For an agent launched from this backtest; the backtest itself only simulates fills.',
  });
}

async function tradingMode(env: StepEnv, draft: Draft, options: TradingModeOptions): Promise<void> {
  const { vault } = env.services;
  const keys = await env.conversation.external(() => hasExchangeKeys(vault, env.args.userId, env.args.agentId));
  const keysNow = options.keysNow ?? true;
  const missing = keysNow ? '💰 Live — store your own HashKey keys first' : '💰 Live (HashKey keys are asked at launch)';
  const kb = new InlineKeyboard()
    .text('📝 Paper (simulated fills)', 'f:live:paper')
    .row()
    .text(keys ? '💰 Live on HashKey' : missing, 'f:live:live');
  const text = `Paper trading or live money?${options.note ? `\n${options.note}` : ''}`;
  const choice = await ask(env.conversation, env.ctx, env.flow, { text, keyboard: kb }, (a) => {
    const v = a.data?.startsWith('f:live:') ? a.data.slice(7) : a.text?.toLowerCase();
    return v === 'paper' || v === 'live' ? valid(v) : invalid('Choose paper or live.');
  });
  if (choice === 'paper') {
    draft.liveMode = false;
    return;
  }
  if (!keys && keysNow) {
    await env.ctx.reply('Live trading needs your own HashKey API key and secret (trade permission, no withdrawals).');
    const saved =
      (await askSecret(env.conversation, env.ctx, env.flow, 'HASHKEY_API_KEY', 'user')) &&
      (await askSecret(env.conversation, env.ctx, env.flow, 'HASHKEY_SECRET', 'user'));
    if (!saved) return tradingMode(env, draft, options);
  }
  draft.liveMode = true;
}
