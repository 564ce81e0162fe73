/**
 * /alerts: per alert type on (with sound) / silent / off, set with inline buttons that edit
 * the settings message in place. Crash alerts can be silenced but never turned off; pressing
 * "off" on them says so. `/alerts <type> <on|silent|off>` sets one directly.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AlertModes, AlertPreferences } from '../../hub/alerts/alert-preferences.js';
import { ALERT_MODES, ALERT_TYPES, ALERT_TYPE_INFO, isAlertType, type AlertMode } from '../../hub/alerts/alert-types.js';
import { HubError } from '../../hub/errors.js';
import type { BotContext } from '../context.js';
import { editInPlace } from '../edit-in-place.js';

export interface AlertsFeatureDeps {
  preferences: Pick<AlertPreferences, 'all' | 'set'>;
}

const MODE_ICON: Record<AlertMode, string> = { on: '🔔', silent: '🔕', off: '🚫' };
const html = { parse_mode: 'HTML' as const };

/** Callback data: `al:set:<type>:<mode>`, `al:info:<type>` (≤ 64 bytes). */
const SET = /^al:set:([a-z._]+):(on|silent|off)$/;
const INFO = /^al:info:([a-z._]+)$/;

export function alertsText(modes: AlertModes): string {
  const lines = ALERT_TYPES.map((t) => `${MODE_ICON[modes[t]]} ${ALERT_TYPE_INFO[t].label} — <b>${modes[t]}</b>`);
  return [
    '<b>Alerts</b>',
    '🔔 on: with sound · 🔕 silent: no sound · 🚫 off: not sent',
    '',
    ...lines,
    '',
    '<i>Crash alerts can be silenced but not turned off.</i>',
  ].join('\n');
}

export function alertsKeyboard(modes: AlertModes): InlineKeyboard {
  const kb = new InlineKeyboard();
  ALERT_TYPES.forEach((t, n) => {
    if (n > 0) kb.row();
    kb.text(ALERT_TYPE_INFO[t].label, `al:info:${t}`);
    for (const mode of ALERT_MODES) {
      const locked = mode === 'off' && !ALERT_TYPE_INFO[t].canTurnOff;
      const label = modes[t] === mode ? `✅ ${mode}` : locked ? `🔒 ${mode}` : `${MODE_ICON[mode]} ${mode}`;
      kb.text(label, `al:set:${t}:${mode}`);
    }
  });
  return kb;
}

function usage(): string {
  return `Usage: /alerts [type on|silent|off]\nTypes: ${ALERT_TYPES.map((t) => `<code>${t}</code>`).join(', ')}`;
}

export function createAlertsFeature(deps: AlertsFeatureDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();

  composer.command('alerts', async (ctx) => {
    const trader = ctx.trader;
    if (!trader) return void (await ctx.reply('Send /start first.'));
    const args = ctx.match.trim().split(/\s+/).filter(Boolean);
    if (args.length === 0) {
      const modes = await deps.preferences.all(trader.id);
      return void (await ctx.reply(alertsText(modes), { ...html, reply_markup: alertsKeyboard(modes) }));
    }
    const [type, mode] = args as [string, string | undefined];
    if (args.length !== 2 || !isAlertType(type) || !(ALERT_MODES as readonly string[]).includes(mode ?? '')) {
      return void (await ctx.reply(usage(), html));
    }
    try {
      const modes = await deps.preferences.set(trader.id, type, mode as AlertMode);
      await ctx.reply(`${ALERT_TYPE_INFO[type].label} alerts: <b>${modes[type]}</b>.`, html);
    } catch (err) {
      if (err instanceof HubError) return void (await ctx.reply(err.userMessage));
      throw err;
    }
  });

  composer.callbackQuery(INFO, async (ctx) => {
    const type = ctx.match[1]!;
    const info = isAlertType(type) ? ALERT_TYPE_INFO[type] : undefined;
    await ctx.answerCallbackQuery(
      info
        ? `${info.label}: choose on, silent or off on this row.${info.canTurnOff ? '' : ' This one cannot be turned off.'}`
        : 'Unknown alert type.',
    );
  });

  composer.callbackQuery(SET, async (ctx) => {
    const trader = ctx.trader;
    if (!trader) return void (await ctx.answerCallbackQuery('Send /start first.'));
    const [, type, mode] = ctx.match as unknown as [string, string, AlertMode];
    let modes: AlertModes;
    try {
      modes = await deps.preferences.set(trader.id, type, mode);
    } catch (err) {
      if (err instanceof HubError) return void (await ctx.answerCallbackQuery({ text: err.userMessage, show_alert: true }));
      throw err;
    }
    const label = isAlertType(type) ? ALERT_TYPE_INFO[type].label : type;
    await ctx.answerCallbackQuery(`${label}: ${mode}`);
    await editInPlace(ctx, alertsText(modes), { ...html, reply_markup: alertsKeyboard(modes) });
  });

  return composer;
}
