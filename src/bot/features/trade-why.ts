/**
 * 🤔 Why?: the button under a trade (on /trade and on trade alerts) and its answer, the decision
 * record behind the trade (src/bot/why-format.ts). The button carries only the trade id: the hub
 * reads it scoped to whoever presses, so another user's trade answers like a missing one.
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { AlertButton } from '../../hub/alerts/alert-router.js';
import type { TradeEventData } from '../../hub/events.js';
import { isUuid } from '../../hub/ids.js';
import type { BotContext } from '../context.js';
import type { BotServices } from '../services.js';
import { tradeWhyText } from '../why-format.js';

const PREFIX = 'why';
const WHY_LABEL = '🤔 Why?';
const STALE_BUTTON = 'This button is out of date. Send /trades and then /trade <id>.';

/** Callback data of the Why? button of trade `tradeId` (a full UUID: 40 bytes, under Telegram's 64). */
export function whyCallbackData(tradeId: string): string {
  return `${PREFIX}:${tradeId}`;
}

/** Adds the 🤔 Why? button of trade `tradeId` to `keyboard` (a new one when omitted). */
export function withWhyButton(tradeId: string, keyboard = new InlineKeyboard()): InlineKeyboard {
  return keyboard.text(WHY_LABEL, whyCallbackData(tradeId));
}

/**
 * The Why? button under a trade alert. Its scope names the agent and the fill, so a merged burst of
 * alerts labels each of its Why? buttons (`🤔 Why? · btc-bot close 101.5`).
 */
export function whyAlertButton(trade: Pick<TradeEventData, 'tradeId' | 'agentName' | 'price'>, action: 'open' | 'close'): AlertButton {
  return { text: WHY_LABEL, data: whyCallbackData(trade.tradeId), scope: `${trade.agentName} ${action} ${trade.price}` };
}

export function createTradeWhyFeature(services: BotServices): Composer<BotContext> {
  const { hub } = services;
  const composer = new Composer<BotContext>();

  composer.callbackQuery(/^why:/, async (ctx) => {
    const tradeId = ctx.callbackQuery.data.slice(PREFIX.length + 1);
    if (!isUuid(tradeId)) return ctx.answerCallbackQuery({ text: STALE_BUTTON, show_alert: true });
    const view = await hub.tradeHistory.why(ctx.trader!.id, tradeId);
    await ctx.answerCallbackQuery();
    await ctx.reply(tradeWhyText(view), { parse_mode: 'HTML', link_preview_options: { is_disabled: true } });
  });

  return composer;
}
