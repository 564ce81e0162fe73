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
import type { BotContext, FlowContext, FlowConversation } from './context.js';
import { escapeHtml } from './format.js';

/** Text the intake puts in place of a saved secret: `SECRET_REF + name`. */
export const SECRET_REF = '\u2063secret-saved:';

/**
 * Buttons of flows carry callback data starting `f:` (agent fields) or `s:` (secrets); any other
 * button belongs to a feature outside the flow, and pressing it ends the flow (flow-guard.ts).
 */
export function isFlowButton(data: string): boolean {
  return /^[fs]:/.test(data);
}

/** Ids of the flows open for this chat and user (needs the conversations plugin installed). */
export function openFlows(ctx: BotContext): string[] {
  return Object.keys(ctx.conversation.active());
}

export interface ParsedCommand {
  /** Lower-case, without the slash. */
  name: string;
  /** The bot the command is addressed to (`/stop@artic_bot`), if any. */
  target?: string;
}

/**
 * `/name`, `/name@bot`, alone or followed by whitespace and arguments. Keys have no whitespace,
 * and a key that starts with "/" carries digits or symbols in its first word, so neither parses.
 */
export function parseCommand(text: string): ParsedCommand | undefined {
  const m = /^\/([a-z]+(?:_[a-z]+)*)(?:@(\w+))?(?=\s|$)/i.exec(text.trim());
  if (!m) return undefined;
  return { name: m[1]!.toLowerCase(), ...(m[2] ? { target: m[2] } : {}) };
}

/** False for a command addressed to another bot (`/stop@other_bot` in a group). */
export function isForBot(command: ParsedCommand, username: string): boolean {
  return !command.target || command.target.toLowerCase() === username.toLowerCase();
}

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

/**
 * Waits for the next text or button answer; handles /cancel and unknown commands. Known commands
 * and other features' buttons never get here: the flow guard ends the flow for them.
 */
async function nextAnswer(conversation: FlowConversation, flowName: string): Promise<{ answer: Answer; ctx: FlowContext }> {
  for (;;) {
    const ctx = await conversation.wait();
    const text = ctx.message?.text;
    const data = ctx.callbackQuery?.data;
    if (data !== undefined) await ctx.answerCallbackQuery().catch(() => undefined);
    const command = text === undefined ? undefined : parseCommand(text);
    if (command && !isForBot(command, ctx.me.username)) continue;
    if (command?.name === 'cancel') {
      await ctx.reply(`✖️ ${flowName} cancelled. Nothing more was changed.`);
      await conversation.halt();
    }
    if (command) {
      await ctx.reply(`I don't know /${command.name}. You are still in ${flowName}: answer the question above, or send /cancel.`);
      continue;
    }
    if (text === undefined && data === undefined) continue;
    return { answer: { text: text?.trim(), data }, ctx };
  }
}

/** Asks `question` until `parse` accepts the answer; every refusal says why and asks again. */
export async function ask<T>(
  conversation: FlowConversation,
  ctx: FlowContext,
  flowName: string,
  question: Question,
  parse: (a: Answer) => Parsed<T>,
): Promise<T> {
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
 * Asks for one secret and waits until the intake reports it saved; the value never reaches the
 * flow. `scope` is `user` or an agent id. Keys are asked for only in a private chat: anywhere
 * else the trader is pointed there and this returns false at once (nothing was saved).
 */
export async function askSecret(
  conversation: FlowConversation,
  ctx: FlowContext,
  flowName: string,
  name: SecretName,
  scope: string,
  agentName?: string,
): Promise<boolean> {
  if (ctx.chat?.type !== 'private') {
    await ctx.reply(
      `🔐 I take keys only in a private chat with me, never in a group. Send /secrets to @${ctx.me.username} there, then come back.`,
    );
    return false;
  }
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
    if (answer.text === `${SECRET_REF}${name}`) return true;
  }
}
