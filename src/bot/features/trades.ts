/**
 * /trades [agent] [n]: the caller's trades, n per page, with ◀ ▶ buttons that edit the message in
 * place; /trade <id>: one trade in full, with the decision behind it and its chain links. /export
 * (trade-export.ts) and 🤔 Why? (trade-why.ts) come with this feature. Every read goes through the hub scoped to the
 * caller, and the buttons carry the asker's id (owned-callback.ts): a stale or foreign button is
 * answered in words and never shows another user's trades.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { TRADE_ID_MIN_PREFIX } from '../../hub/analytics/trade-history.js';
import { AgentNotFoundError } from '../../hub/errors.js';
import { isUuid } from '../../hub/ids.js';
import { clip } from '../alert-format.js';
import { parseRefAndCount } from '../command-args.js';
import type { BotContext } from '../context.js';
import { editInPlace } from '../edit-in-place.js';
import { base36Part, ownedCallbackData, ownedPress } from '../owned-callback.js';
import type { BotServices } from '../services.js';
import { noTradesText, tradeCard, tradePageParts } from '../trade-format.js';
import { createTradeExportFeature } from './trade-export.js';
import { createTradeWhyFeature, withWhyButton } from './trade-why.js';

export const DEFAULT_TRADES_PER_PAGE = 10;
export const MAX_TRADES_PER_PAGE = 50;

const html = { parse_mode: 'HTML' as const };
const PREFIX = 'tr';
const ALL_AGENTS = '*';
/** Part marker for "the last part of the page" (◀ from the first part of the next page). */
const LAST_PART = '_';
const STALE_BUTTON = 'This button is out of date. Send /trades again.';
const GONE_AGENT = 'That agent does not exist (any more). Send /trades again.';
const TRADES_USAGE = `Usage: /trades [agent] [n] — n trades per page, 1-${MAX_TRADES_PER_PAGE} (default ${DEFAULT_TRADES_PER_PAGE}), e.g. /trades btc-scalper 20`;

/** Where a /trades message stands: whose trades, how many per page, which page and part. */
interface TradesPosition {
  agentId?: string;
  pageSize: number;
  page: number;
  part: number | 'last';
}

/** `[agent] [n]` (src/bot/command-args.ts): a last word that is a number is n, the words before it name the agent. */
export function parseTradesArgs(match: string): { agentRef?: string; pageSize: number } | { error: string } {
  const args = parseRefAndCount(match, { min: 1, max: MAX_TRADES_PER_PAGE });
  if ('badCount' in args) return { error: `The number of trades per page must be 1-${MAX_TRADES_PER_PAGE}.\n${TRADES_USAGE}` };
  const pageSize = args.count ?? DEFAULT_TRADES_PER_PAGE;
  return args.ref ? { agentRef: args.ref, pageSize } : { pageSize };
}

/** The position a button's parts name, or null when they are not ones this feature made. */
function positionOf(parts: string[]): TradesPosition | null {
  const [agent, size, page, part, ...rest] = parts;
  const pageSize = base36Part(size);
  const pageIndex = base36Part(page);
  const partIndex = part === LAST_PART ? 'last' : base36Part(part);
  if (rest.length || !agent || (agent !== ALL_AGENTS && !isUuid(agent))) return null;
  if (pageSize === null || pageSize < 1 || pageSize > MAX_TRADES_PER_PAGE || pageIndex === null || partIndex === null) return null;
  return { ...(agent === ALL_AGENTS ? {} : { agentId: agent }), pageSize, page: pageIndex, part: partIndex };
}

export function createTradesFeature(services: BotServices): Composer<BotContext> {
  const { hub } = services;
  const composer = new Composer<BotContext>();
  const me = (ctx: BotContext) => ctx.trader!.id;

  /** The text and buttons at `pos`; `moved` when the list shrank and an earlier page is shown. */
  async function render(ctx: BotContext, asker: number, pos: TradesPosition) {
    const agent = pos.agentId ? await hub.agents.find(me(ctx), pos.agentId) : undefined;
    const page = await hub.tradeHistory.page({ ownerId: me(ctx), agentId: agent?.id }, pos.page, pos.pageSize);
    if (!page.total) return { text: noTradesText(agent?.name), keyboard: undefined, moved: pos.page > 0 };
    const parts = tradePageParts(page, agent?.name);
    const part = pos.part === 'last' ? parts.length - 1 : Math.min(pos.part, parts.length - 1);
    const data = (p: number, q: number | 'last') =>
      ownedCallbackData(PREFIX, asker, [agent?.id ?? ALL_AGENTS, pos.pageSize, p, q === 'last' ? LAST_PART : q]);
    const keyboard = new InlineKeyboard();
    if (part > 0) keyboard.text('◀', data(page.page, part - 1));
    else if (page.page > 0) keyboard.text('◀', data(page.page - 1, 'last'));
    if (part < parts.length - 1) keyboard.text('▶', data(page.page, part + 1));
    else if (page.page < page.pages - 1) keyboard.text('▶', data(page.page + 1, 0));
    return {
      text: parts[part]!,
      keyboard: keyboard.inline_keyboard.flat().length ? keyboard : undefined,
      moved: page.page !== pos.page || (pos.part !== 'last' && part !== pos.part),
    };
  }

  composer.command('trades', async (ctx) => {
    const args = parseTradesArgs(ctx.match);
    if ('error' in args) return ctx.reply(args.error);
    const agent = args.agentRef ? await hub.agents.find(me(ctx), args.agentRef) : undefined;
    const view = await render(ctx, ctx.from!.id, { agentId: agent?.id, pageSize: args.pageSize, page: 0, part: 0 });
    await ctx.reply(view.text, { ...html, ...(view.keyboard ? { reply_markup: view.keyboard } : {}) });
  });

  composer.callbackQuery(/^tr:/, async (ctx) => {
    const press = await ownedPress(ctx, PREFIX, positionOf, STALE_BUTTON);
    if (!press) return;
    let view: Awaited<ReturnType<typeof render>>;
    try {
      view = await render(ctx, press.asker, press.value);
    } catch (error) {
      if (error instanceof AgentNotFoundError) return ctx.answerCallbackQuery({ text: GONE_AGENT, show_alert: true });
      throw error;
    }
    await ctx.answerCallbackQuery(view.moved ? 'There are fewer trades now: this is the last page.' : undefined);
    await editInPlace(ctx, view.text, { ...html, reply_markup: view.keyboard });
  });

  composer.command('trade', async (ctx) => {
    const ref = ctx.match.trim();
    if (!ref) return ctx.reply('Usage: /trade <id> — the 8-character id /trades shows (or the full id), e.g. /trade 1a2b3c4d');
    if (!new RegExp(`^[0-9a-f-]{${TRADE_ID_MIN_PREFIX},36}$`, 'i').test(ref))
      return ctx.reply(
        `"${clip(ref, 40)}" is not a trade id. Type the 8-character id /trades shows (digits 0-9 and letters a-f), or the full id.`,
      );
    const trade = await hub.tradeHistory.detail(me(ctx), ref);
    await ctx.reply(tradeCard(trade), { ...html, link_preview_options: { is_disabled: true }, reply_markup: withWhyButton(trade.id) });
  });

  composer.use(createTradeExportFeature(services));
  composer.use(createTradeWhyFeature(services));
  return composer;
}
