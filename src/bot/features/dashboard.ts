/**
 * /dashboard: a one-time login link to the dashboard for a plain browser (`<base>/app#login=<code>`,
 * base PUBLIC_URL or `http://127.0.0.1:PORT`), single-use and valid a few minutes; inside Telegram
 * the Dashboard menu button (set at start when PUBLIC_URL is set) opens the Mini App instead.
 * Private chats only: the link signs its holder in.
 */
import { Composer } from 'grammy';
import type { MenuButton } from 'grammy/types';
import { LOGIN_CODE_TTL_S } from '../../hub/auth/dashboard-sessions.js';
import type { BotContext } from '../context.js';
import { escapeHtml } from '../format.js';
import type { BotServices } from '../services.js';

/** The chat menu button: Dashboard (the Mini App) with PUBLIC_URL, else Telegram's default. */
export function dashboardMenuButton(publicUrl: string | undefined): MenuButton {
  return publicUrl ? { type: 'web_app', text: 'Dashboard', web_app: { url: `${publicUrl}/app` } } : { type: 'default' };
}

export function createDashboardFeature(services: BotServices): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.chatType('private').command('dashboard', async (ctx) => {
    const { code } = await services.hub.dashboardSessions.issueLoginCode(ctx.trader!.id);
    const link = `${services.dashboardBaseUrl}/app#login=${code}`;
    const inTelegram = services.publicUrl ? '\nIn Telegram, the Dashboard button next to the message field opens it without a link.' : '';
    await ctx.reply(
      `📊 Your dashboard login link (works once, for ${LOGIN_CODE_TTL_S / 60} minutes; do not share it):\n${escapeHtml(link)}${inTelegram}`,
      { parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    );
  });
  composer.command('dashboard', (ctx) => ctx.reply('📊 Dashboard links only in a private chat with me.'));
  return composer;
}
