/**
 * Building blocks of conversations: ask a question until the answer is valid (a specific
 * message and the same question again otherwise), `/cancel` at every step, and asking for a
 * secret without the secret ever entering the conversation's stored state.
 *
 * How secrets stay out of storage: the flow marks the session with the secret it waits for
 * (name and scope only); the secret-intake middleware, which runs before the conversations
 * plugin, deletes the user's message, stores the value in the vault and replaces the text of
 * the update with a reference (`SECRET_REF`). The conversation, and so its replay log, only
 * ever sees the reference.
 */
import type { InlineKeyboard } from 'grammy';
import { SECRET_LABELS, type SecretName } from '../hub/secrets/secret-names.js';
import type { FlowContext, FlowConversation } from './context.js';
import { escapeHtml } from './format.js';

/** Text the intake puts in place of a saved secret: `SECRET_REF + name`. */
export const SECRET_REF = '\u2063secret-saved:';

export interface Answer {
  text?: string;
  data?: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const valid = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const invalid = <T = never>(message: string): Parsed<T> => ({ ok: false, message });

export interface Question {
  text: string;
  keyboard?: InlineKeyboard;
}

const html = { parse_mode: 'HTML' as const };

/** Waits for the next text or button answer; handles /cancel and stray commands. */
async function nextAnswer(conversation: FlowConversation, flowName: string): Promise<{ answer: Answer; ctx: FlowContext }> {
  for (;;) {
    const ctx = await conversation.wait();
    const text = ctx.message?.text;
    const data = ctx.callbackQuery?.data;
    if (data !== undefined) await ctx.answerCallbackQuery().catch(() => undefined);
    if (text !== undefined && /^\/cancel(@\w+)?\b/i.test(text.trim())) {
      await ctx.reply(`✖️ ${flowName} cancelled. Nothing more was changed.`);
      await conversation.halt();
    }
    if (text !== undefined && text.startsWith('/') && !text.startsWith(SECRET_REF)) {
      await ctx.reply(`You are in the middle of ${flowName}. Answer the question above, or send /cancel.`);
      continue;
    }
    if (text === undefined && data === undefined) continue;
    return { answer: { text: text?.trim(), data }, ctx };
  }
}

/** Asks `question` until `parse` accepts the answer; every refusal says why and asks again. */
export async function ask<T>(conversation: FlowConversation, ctx: FlowContext, flowName: string, question: Question, parse: (a: Answer) => Parsed<T>): Promise<T> {
  for (;;) {
    await ctx.reply(question.text, { ...html, reply_markup: question.keyboard });
    for (;;) {
      const { answer, ctx: answered } = await nextAnswer(conversation, flowName);
      if (answer.text?.startsWith(SECRET_REF)) continue;
      const result = parse(answer);
      if (result.ok) return result.value;
      await answered.reply(`⚠️ ${result.message}`, html);
      break;
    }
  }
}

/**
 * Asks for one secret and waits until the intake reports it saved. Returns nothing: the value
 * never reaches the flow. `scope` is `user` or an agent id.
 */
export async function askSecret(conversation: FlowConversation, ctx: FlowContext, flowName: string, name: SecretName, scope: string, agentName?: string): Promise<void> {
  await conversation.external((outside) => {
    outside.session.pendingSecret = { name, scope, ...(agentName ? { agentName } : {}) };
  });
  const target = agentName ? ` for agent <b>${escapeHtml(agentName)}</b> only` : '';
  await ctx.reply(
    `🔐 Send your <b>${SECRET_LABELS[name]}</b>${target} as one message.\n` +
      'I delete that message at once and store the key encrypted; I only ever show its last four characters. /cancel to stop.',
    html,
  );
  for (;;) {
    const { answer } = await nextAnswer(conversation, flowName);
    if (answer.text === `${SECRET_REF}${name}`) return;
  }
}
