/**
 * Secrets: `/secrets` (list masked, set at user level or as an agent override, delete), the
 * intake that takes a secret out of the chat the moment it arrives, and the guard that deletes
 * a key pasted outside any flow and offers to save it.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { HubError } from '../../hub/errors.js';
import { isSecretName, SECRET_LABELS, SECRET_NAMES, type SecretName } from '../../hub/secrets/secret-names.js';
import type { BotContext, FlowArgs, FlowContext, FlowConversation } from '../context.js';
import { ask, askSecret, invalid, openFlows, parseCommand, SECRET_REF, valid } from '../flow.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';
import { isUuid } from '../../shared/wire.js';

export const SECRETS_FLOW = 'secrets';
const html = { parse_mode: 'HTML' as const };

/** Looks like an API key: one long token with letters and digits and high entropy, or a known prefix. */
export function looksLikeApiKey(text: string): boolean {
  const t = text.trim();
  if (/\s/.test(t) || t.length < 20 || t.length > 512 || t.startsWith('/')) return false;
  if (/^https?:\/\//i.test(t)) return false;
  if (isUuid(t)) return false; // an agent id
  if (/^0x[0-9a-f]{40}$/i.test(t)) return false; // a public address
  if (/^(sk-|sk_|pk_|AIza|xox[bp]-|ghp_|hk[-_])/.test(t) && t.length >= 24) return true;
  if (!/[a-z]/i.test(t) || !/\d/.test(t)) return false;
  const counts = new Map<string, number>();
  for (const ch of t) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) entropy -= (n / t.length) * Math.log2(n / t.length);
  return entropy >= 3.5 && t.length >= 24;
}

/** The likeliest names for a pasted key, best guess first. */
export function guessSecretNames(text: string): SecretName[] {
  const t = text.trim();
  const first: SecretName[] = t.startsWith('sk-ant-')
    ? ['ANTHROPIC_API_KEY']
    : t.startsWith('AIza')
      ? ['GEMINI_API_KEY']
      : t.startsWith('sk-')
        ? ['OPENAI_API_KEY', 'DEEPSEEK_API_KEY']
        : [];
  return [...first, ...SECRET_NAMES.filter((n) => !first.includes(n))];
}

export function secretsFlow(services: BotServices) {
  const { vault, hub } = services;
  return async function secrets(conversation: FlowConversation, ctx: FlowContext, args: FlowArgs): Promise<void> {
    const flow = '/secrets';
    for (;;) {
      const listing = await conversation.external(async () => {
        const [list, agents] = await Promise.all([vault.list(args.userId), hub.agents.list(args.userId)]);
        const names = new Map(agents.map((a) => [a.id, a.name]));
        return list.map((s) => ({
          name: s.name,
          scope: s.scope,
          masked: s.masked,
          agent: s.scope === 'user' ? null : (names.get(s.scope) ?? 'deleted agent'),
        }));
      });
      const lines = listing.length
        ? listing.map((s) => `• <b>${s.name}</b> ${s.masked}${s.agent ? ` — only for ${escapeHtml(s.agent)}` : ''}`)
        : [
            "You have no secrets stored. Agents share the server's LLM keys (within a daily budget) where it has them; live trading needs HashKey keys of your own.",
          ];
      const menu = new InlineKeyboard().text('➕ Set a secret', 's:set').text('🗑 Delete one', 's:del').row().text('Done', 's:done');
      const action = await ask(conversation, ctx, flow, { text: `🔐 <b>Your secrets</b>\n${lines.join('\n')}`, keyboard: menu }, (a) =>
        a.data && ['s:set', 's:del', 's:done'].includes(a.data) ? valid(a.data) : invalid('Choose one of the buttons, or /cancel.'),
      );
      if (action === 's:done') {
        await ctx.reply('👍 Done.');
        return;
      }
      if (action === 's:del') {
        if (!listing.length) {
          await ctx.reply('There is nothing to delete.');
          continue;
        }
        const kb = new InlineKeyboard();
        listing.forEach((s, i) => kb.text(`${s.name}${s.agent ? ` (${s.agent})` : ''}`, `s:d:${i}`).row());
        const index = await ask(conversation, ctx, flow, { text: 'Which secret should I delete?', keyboard: kb }, (a) => {
          const i = Number(a.data?.startsWith('s:d:') ? a.data.slice(4) : NaN);
          return Number.isInteger(i) && listing[i] ? valid(i) : invalid('Tap one of the secrets above, or /cancel.');
        });
        const target = listing[index]!;
        await conversation.external(() => vault.delete(args.userId, target.name, target.scope));
        await ctx.reply(`🗑 Deleted ${target.name}${target.agent ? ` (override for ${escapeHtml(target.agent)})` : ''}.`, html);
        continue;
      }
      const name = await pickSecretName(conversation, ctx, flow);
      const scopeKb = new InlineKeyboard().text('For all my agents', 's:scope:user').row().text('Only for one agent…', 's:scope:agent');
      const scopeChoice = await ask(conversation, ctx, flow, { text: `Use this ${SECRET_LABELS[name]} for…`, keyboard: scopeKb }, (a) =>
        a.data === 's:scope:user' || a.data === 's:scope:agent' ? valid(a.data) : invalid('Tap one of the two buttons, or /cancel.'),
      );
      let scope = 'user';
      let agentName: string | undefined;
      if (scopeChoice === 's:scope:agent') {
        for (;;) {
          const ref = await ask(conversation, ctx, flow, { text: 'Which agent? Type its name or id (see /agents).' }, (a) =>
            a.text ? valid(a.text) : invalid("Type the agent's name or id."),
          );
          const found = await conversation.external(async () => {
            try {
              const a = await hub.agents.find(args.userId, ref);
              return { ok: true as const, id: a.id, name: a.name };
            } catch (error) {
              return { ok: false as const, message: error instanceof HubError ? error.userMessage : 'Could not look that agent up.' };
            }
          });
          if (found.ok) {
            scope = found.id;
            agentName = found.name;
            break;
          }
          await ctx.reply(`⚠️ ${escapeHtml(found.message)}`, html);
        }
      }
      await askSecret(conversation, ctx, flow, name, scope, agentName);
    }
  };
}

export async function pickSecretName(
  conversation: FlowConversation,
  ctx: FlowContext,
  flow: string,
  names: readonly SecretName[] = SECRET_NAMES,
): Promise<SecretName> {
  const kb = new InlineKeyboard();
  names.forEach((n, i) => {
    kb.text(SECRET_LABELS[n], `s:n:${n}`);
    if (i % 2 === 1) kb.row();
  });
  return ask(conversation, ctx, flow, { text: 'Which secret?', keyboard: kb }, (a) => {
    const n = a.data?.startsWith('s:n:') ? a.data.slice(4) : a.text?.toUpperCase();
    return n && isSecretName(n) && names.includes(n)
      ? valid(n)
      : invalid(`Tap one of the buttons (or type one of ${names.join(', ')}), or /cancel.`);
  });
}

/** Deletes the message of the update from the chat; false when Telegram refused (no rights, too old). */
export function deleteFromChat(ctx: BotContext): Promise<boolean> {
  return ctx.deleteMessage().then(
    () => true,
    () => false,
  );
}

/**
 * Mounted after the conversations plugin is installed and before any flow runs: while a flow
 * waits for a secret, the next text message is deleted, stored through the vault, and replaced
 * by a reference before the flow (or its stored replay log) sees it. A prompt whose flow is gone
 * (it ended on an error) is no prompt any more: it is cleared and the message goes on.
 */
export function secretIntake(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('message:text', async (ctx, next) => {
    const pending = ctx.session.pendingSecret;
    if (!pending || !ctx.trader) return next();
    if (openFlows(ctx).length === 0) {
      delete ctx.session.pendingSecret;
      return next();
    }
    const text = ctx.message.text;
    // A command is not a key: the flow guard or the flow answers it.
    if (parseCommand(text)) return next();
    const gone = (await deleteFromChat(ctx)) ? 'I deleted your message.' : 'I could not delete your message — please delete it yourself.';
    try {
      const { masked } = await services.vault.set(ctx.trader.id, pending.name, text, pending.scope);
      delete ctx.session.pendingSecret;
      const target = pending.agentName ? ` for ${escapeHtml(pending.agentName)}` : '';
      await ctx.reply(`🔐 Saved your ${SECRET_LABELS[pending.name]}${target} (${masked}), encrypted. ${gone}`, html);
    } catch (error) {
      const why = error instanceof HubError ? error.userMessage : 'Storing it failed; try again.';
      if (!(error instanceof HubError)) services.logger.error({ err: error, name: pending.name }, 'storing a secret failed');
      await ctx.reply(`⚠️ ${escapeHtml(why)}\n${gone} Send the ${SECRET_LABELS[pending.name]} again, or /cancel.`, html);
      return; // the flow keeps waiting for a valid key
    }
    // The flow sees only a reference; the value is gone from the update.
    const message = ctx.update.message as { text: string; entities?: unknown };
    message.text = `${SECRET_REF}${pending.name}`;
    delete message.entities;
    return next();
  });
  return composer;
}

export function createSecretsFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const priv = composer.chatType('private');
  priv.command('secrets', (ctx) => ctx.conversation.enter(SECRETS_FLOW, { userId: ctx.trader!.id } satisfies FlowArgs));
  composer.command('secrets', (ctx) => ctx.reply('🔐 Secrets only in a private chat with me.'));

  // A key pasted outside any flow: take it out of the chat, keep it encrypted, offer to name it.
  priv.on('message:text', async (ctx, next) => {
    const text = ctx.message.text;
    if (!ctx.trader || !looksLikeApiKey(text)) return next();
    const deleted = await deleteFromChat(ctx);
    const { ref, masked } = await services.vault.stage(ctx.trader.id, text);
    const kb = new InlineKeyboard();
    guessSecretNames(text).forEach((n, i) => {
      kb.text(SECRET_LABELS[n], `stage:${ref}:${SECRET_NAMES.indexOf(n)}`);
      if (i % 2 === 1) kb.row();
    });
    kb.row().text('✖️ Discard it', `stage:${ref}:x`);
    await ctx.reply(
      `🔐 That looks like an API key (${masked}), so ${deleted ? 'I deleted your message' : 'please delete your message — I could not'}. ` +
        'Keys are safest in the vault. Save it as:',
      { reply_markup: kb },
    );
  });
  composer.callbackQuery(/^stage:([0-9a-f]{8}):(x|\d)$/, async (ctx) => {
    const [, ref, choice] = ctx.match;
    if (!ctx.trader) return ctx.answerCallbackQuery();
    if (choice === 'x') {
      await services.vault.discard(ctx.trader.id, ref!);
      await ctx.answerCallbackQuery('Discarded');
      await ctx.editMessageText('✖️ Discarded. Nothing was stored.').catch(() => undefined);
      return;
    }
    const name = SECRET_NAMES[Number(choice)];
    const saved = name ? await services.vault.promote(ctx.trader.id, ref!, name) : undefined;
    if (!saved || !name) {
      await ctx.answerCallbackQuery('Expired');
      await ctx.editMessageText('⌛ That key is no longer held. Send /secrets to set it.').catch(() => undefined);
      return;
    }
    await ctx.answerCallbackQuery('Saved');
    await ctx.editMessageText(`🔐 Saved as your ${SECRET_LABELS[name]} (${saved.masked}), encrypted.`).catch(() => undefined);
  });
  return composer;
}
