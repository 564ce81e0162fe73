/**
 * /broadcast <text> (admins only): one message to every active user. The admin first sees how
 * many users it will reach and confirms with Send or Cancel; Send queues one message per active
 * user on the outbound queue (persisted, paced to Telegram's limits), never sends directly. The
 * text is sent as plain text (escaped for HTML), exactly as typed.
 *
 * The pending text waits in the admin's session under an id that the buttons carry, and Send
 * takes it out before queuing: a second press, or a press on an older confirmation, finds nothing
 * and sends nothing. To anyone but an admin /broadcast is an unknown command (as /approve is).
 */
import { randomBytes } from 'node:crypto';
import { Composer, InlineKeyboard } from 'grammy';
import type { UserService } from '../../hub/users.js';
import type { BotContext } from '../context.js';
import { editInPlace } from '../edit-in-place.js';
import { clip, escapeHtml, TELEGRAM_TEXT_LIMIT } from '../alert-format.js';
import type { OutboundQueue } from '../outbound-queue.js';
import { ownedCallbackData, ownedPress } from '../owned-callback.js';

export interface BroadcastFeatureDeps {
  users: Pick<UserService, 'isAdmin' | 'activeTelegramIds'>;
  queue: Pick<OutboundQueue, 'enqueue'>;
}

const PREFIX = 'bc';
const html = { parse_mode: 'HTML' as const };
/** Room left in a message for what the queue may add (a delay note, a merged neighbour's summary). */
const MAX_ESCAPED_LENGTH = TELEGRAM_TEXT_LIMIT - 200;

export const BROADCAST_USAGE =
  'Type the message after the command, for example:\n/broadcast Maintenance tonight at 22:00 UTC; agents restart on their own.';

const plural = (n: number) => `${n} active user${n === 1 ? '' : 's'}`;

function confirmation(count: number, text: string): string {
  return [`📣 Send to ${plural(count)}?`, '', `<blockquote>${escapeHtml(clip(text, 1500))}</blockquote>`].join('\n');
}

function buttons(asker: number, id: string): InlineKeyboard {
  return new InlineKeyboard()
    .text('📣 Send', ownedCallbackData(PREFIX, asker, ['send', id]))
    .text('✖️ Cancel', ownedCallbackData(PREFIX, asker, ['cancel', id]));
}

function readPress([action, id, ...rest]: string[]): { action: 'send' | 'cancel'; id: string } | null {
  if ((action !== 'send' && action !== 'cancel') || !id || rest.length) return null;
  return { action, id };
}

export function createBroadcastFeature({ users, queue }: BroadcastFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const isAdmin = async (id: number | undefined) => id !== undefined && (await users.isAdmin({ telegramId: id }));

  composer.command('broadcast', async (ctx, next) => {
    if (!(await isAdmin(ctx.from?.id))) return next();
    const text = ctx.match.trim();
    if (!text) return ctx.reply(`📣 Nothing to send. ${BROADCAST_USAGE}`);
    if (escapeHtml(text).length > MAX_ESCAPED_LENGTH) {
      return ctx.reply(`📣 That message is too long for one Telegram message. Keep it under ${MAX_ESCAPED_LENGTH} characters.`);
    }
    const count = (await users.activeTelegramIds()).length;
    const id = randomBytes(4).toString('hex');
    ctx.session.broadcast = { id, text };
    return ctx.reply(confirmation(count, text), { ...html, reply_markup: buttons(ctx.from!.id, id) });
  });

  composer.callbackQuery(/^bc:/, async (ctx) => {
    const press = await ownedPress(ctx, PREFIX, readPress, 'This button is out of date.');
    if (!press) return;
    if (!(await isAdmin(ctx.from.id))) return ctx.answerCallbackQuery({ text: 'Only admins can broadcast.', show_alert: true });
    const pending = ctx.session.broadcast;
    if (!pending || pending.id !== press.value.id) {
      return ctx.answerCallbackQuery({ text: 'This broadcast was already sent or cancelled.' });
    }
    // Out of the session before anything can fail: the session is written only if this handler returns.
    delete ctx.session.broadcast;
    if (press.value.action === 'cancel') {
      await ctx.answerCallbackQuery({ text: 'Cancelled' }).catch(() => undefined);
      return editInPlace(ctx, '✖️ Broadcast cancelled: nothing was sent.').catch(() => undefined);
    }
    const chats = await users.activeTelegramIds();
    const text = escapeHtml(pending.text);
    await Promise.all(chats.map((chatId) => queue.enqueue({ chatId, text, eventType: 'broadcast' })));
    await ctx.answerCallbackQuery({ text: `Queued for ${plural(chats.length)}` }).catch(() => undefined);
    await editInPlace(ctx, `📣 Queued for ${plural(chats.length)}; they receive it within Telegram's limits.`).catch(() => undefined);
  });
  return composer;
}
