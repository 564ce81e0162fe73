/**
 * `/admin`, for admins only: the operator's view of the server (users and agents by status, host
 * load and memory, queue depths, market credits, the chain signer and outbox, the last crash), with
 * a Refresh button that edits the message in place. Anyone else gets what any unknown command
 * gets (the command falls through to the unknown-command handler), as /approve does.
 * The figures are the same readings `/metrics` exports (src/hub/ops/readings.ts).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { UserService } from '../../hub/users.js';
import type { OpsReadings } from '../../hub/ops/readings.js';
import { formatAdminView } from '../admin-format.js';
import type { BotContext } from '../context.js';
import { editInPlace } from '../edit-in-place.js';
import { ownedCallbackData, ownedPress } from '../owned-callback.js';

const PREFIX = 'adm';
const html = { parse_mode: 'HTML' as const };

export interface AdminFeatureDeps {
  users: Pick<UserService, 'isAdmin'>;
  readings: Pick<OpsReadings, 'snapshot'>;
}

const refreshKeyboard = (telegramId: number) => new InlineKeyboard().text('🔄 Refresh', ownedCallbackData(PREFIX, telegramId, ['r']));

export function createAdminFeature({ users, readings }: AdminFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const isAdmin = async (id: number | undefined) => id !== undefined && (await users.isAdmin({ telegramId: id }));

  composer.command('admin', async (ctx, next) => {
    if (!ctx.from || !(await isAdmin(ctx.from.id))) return next();
    const view = formatAdminView(await readings.snapshot());
    await ctx.reply(view, { ...html, reply_markup: refreshKeyboard(ctx.from.id) });
  });

  composer.callbackQuery(new RegExp(`^${PREFIX}:`), async (ctx) => {
    // An admin's rights may have gone since the message was sent: checked at each press.
    if (!(await isAdmin(ctx.from.id))) return ctx.answerCallbackQuery({ text: 'Only admins can see this.', show_alert: true });
    const press = await ownedPress(ctx, PREFIX, (parts) => (parts[0] === 'r' ? true : null), 'This button is out of date. Send /admin.');
    if (!press) return;
    await editInPlace(ctx, formatAdminView(await readings.snapshot()), { ...html, reply_markup: refreshKeyboard(press.asker) });
    await ctx.answerCallbackQuery({ text: 'Refreshed' });
  });
  return composer;
}
