/**
 * Identity and access. The Telegram account is the account: /start registers it under the
 * access mode (open, allowlist, approval); on a server without ADMIN_TELEGRAM_IDS the first
 * user becomes the admin and is told so. Admins get Approve/Deny buttons for every user who
 * waits; their decision (through the hub: a denied user's agents stop) tells the user. Every
 * other update needs an active user. In groups only admins are served; anyone else is told to
 * use a private chat. "Admin" is what the user's row says (`UserService`), never a local list.
 */
import { Composer, GrammyError, InlineKeyboard, type Api } from 'grammy';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

const html = { parse_mode: 'HTML' as const };

function displayName(from: { first_name: string; last_name?: string }): string {
  return [from.first_name, from.last_name].filter(Boolean).join(' ');
}

const WELCOME =
  '👋 Welcome to <b>Artic</b>. Your Telegram account is your account here.\n' +
  'Create a trading agent with /create, see yours with /agents, store your keys with /secrets. /help lists everything.';

const FIRST_ADMIN =
  '\n\n👑 You are the first user of this server, so you are its admin: you approve or deny who may use it (/approve, /deny <telegram id>), ' +
  "and your agents may trade with the server's own exchange keys. To choose the admins yourself, set ADMIN_TELEGRAM_IDS.";

async function notifyAdmins(
  api: Api,
  services: BotServices,
  from: { id: number; first_name: string; last_name?: string; username?: string },
): Promise<void> {
  const who = `${escapeHtml(displayName(from))}${from.username ? ` (@${escapeHtml(from.username)})` : ''} · id <code>${from.id}</code>`;
  const kb = new InlineKeyboard().text('✅ Approve', `acc:ok:${from.id}`).text('⛔ Deny', `acc:no:${from.id}`);
  for (const admin of await services.hub.users.admins()) {
    await api.sendMessage(admin, `🙋 Access request from ${who}`, { ...html, reply_markup: kb }).catch((error: unknown) => {
      services.logger.warn({ err: error instanceof GrammyError ? error.description : String(error), admin }, 'could not notify an admin');
    });
  }
}

export function createAccessFeature(services: BotServices): Composer<BotContext> {
  const { users, access } = services.hub;
  const composer = new Composer<BotContext>();
  const isAdmin = async (id: number | undefined) => id !== undefined && (await users.isAdmin({ telegramId: id }));

  // Groups: only admins. Others are told why, once per command; plain chatter is ignored.
  composer.use(async (ctx, next) => {
    if (!ctx.chat || ctx.chat.type === 'private' || (await isAdmin(ctx.from?.id))) return next();
    if (ctx.message?.text?.startsWith('/')) {
      await ctx.reply(`In groups I only take commands from admins. Message me privately: @${ctx.me.username}`);
    } else if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: 'Only admins can use this here.', show_alert: true });
    }
  });

  composer.command('start', async (ctx) => {
    if (!ctx.from) return;
    const { user, created, askAdmins, firstAdmin } = await users.register(ctx.from.id, displayName(ctx.from), ctx.from.username ?? null);
    if (user.status === 'active') {
      ctx.trader = user;
      return ctx.reply(
        created ? `${WELCOME}${firstAdmin ? FIRST_ADMIN : ''}` : `👋 Welcome back. /agents shows your agents, /help everything else.`,
        html,
      );
    }
    if (user.status === 'pending') {
      if (askAdmins) await notifyAdmins(ctx.api, services, ctx.from);
      return ctx.reply('⏳ Your access request is with the admins. I will message you when they decide.');
    }
    return ctx.reply(
      services.accessMode === 'allowlist'
        ? `🔒 This Artic server is private. Ask an admin to let you in; your Telegram id is <code>${ctx.from.id}</code>.`
        : '⛔ Your access request was declined.',
      html,
    );
  });

  // Admin decisions (buttons, or /approve <id> · /deny <id>).
  async function decide(ctx: BotContext, telegramId: number, approve: boolean): Promise<string> {
    const decided = await access.decide(telegramId, approve ? 'approve' : 'deny');
    if (!decided) return `No user with Telegram id ${telegramId} has sent /start yet.`;
    const text = approve
      ? '✅ An admin approved your access. Send /help to begin, or /create your first agent.'
      : '⛔ An admin declined your access request.';
    await ctx.api.sendMessage(telegramId, text).catch(() => undefined);
    const n = decided.stoppedAgents;
    const stopped = n > 0 ? `; stopped ${n} running agent${n === 1 ? '' : 's'}` : '';
    return `${approve ? '✅ Approved' : '⛔ Denied'} ${escapeHtml(decided.user.displayName)} (<code>${telegramId}</code>)${ctx.from?.username ? ` by @${escapeHtml(ctx.from.username)}` : ''}${stopped}.`;
  }

  composer.callbackQuery(/^acc:(ok|no):(\d+)$/, async (ctx) => {
    if (!(await isAdmin(ctx.from.id))) return ctx.answerCallbackQuery({ text: 'Only admins decide access.', show_alert: true });
    const result = await decide(ctx, Number(ctx.match[2]), ctx.match[1] === 'ok');
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(result, html).catch(() => undefined);
  });
  for (const [command, approve] of [
    ['approve', true],
    ['deny', false],
  ] as const) {
    composer.command(command, async (ctx, next) => {
      if (!(await isAdmin(ctx.from?.id))) return next();
      const id = Number(ctx.match.trim());
      if (!Number.isSafeInteger(id) || id <= 0) return ctx.reply(`Usage: /${command} <telegram id>`);
      return ctx.reply(await decide(ctx, id, approve), html);
    });
  }

  // Everything else needs an active, registered user.
  composer.use(async (ctx, next) => {
    if (!ctx.from) return;
    const user = await users.byTelegramId(ctx.from.id);
    if (user?.status === 'active') {
      ctx.trader = user;
      return next();
    }
    const why = !user
      ? 'Send /start first.'
      : user.status === 'pending'
        ? '⏳ Your access request is still with the admins.'
        : '⛔ You do not have access to this bot.';
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: why, show_alert: true });
    else if (ctx.message) await ctx.reply(why);
  });
  return composer;
}
