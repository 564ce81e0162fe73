/**
 * Live log tail: `/tail <agent> [level]` (or the 📡 Tail button of an agent card, callback
 * `tail:<agentId>`) sends ONE message and edits it with the newest log lines at most every
 * `editIntervalMs` (~2 s), only when there are new lines. It has a ⏹ Stop button, stops by
 * itself after `maxDurationMs` (10 min, and says so), skips edits while Telegram asks to wait
 * (429 `retry_after`), escapes everything and stays under Telegram's length limit by dropping
 * the oldest lines. One tail per chat and agent: starting again replaces the old one.
 *
 * Lines come from the hub's log query (`after(seq)`, polled each round), scoped to the owner
 * through `agents.find(ownerId, ref)`: another user's agent is "not found".
 *
 * This file holds the commands and buttons; the running tails are in src/bot/tail/.
 */
import { Composer, type Api } from 'grammy';
import type { AgentDirectory } from '../../hub/agents/agent-directory.js';
import type { LogQuery } from '../../hub/agents/agent-logs.js';
import { HubError } from '../../hub/errors.js';
import { LOG_LEVELS, type WireLogLevel } from '../../shared/wire.js';
import type { BotContext } from '../context.js';
import { createTailManager, type TailManager, type TailOptions } from '../tail/tail-manager.js';

const html = { parse_mode: 'HTML' as const };

export interface TailFeatureDeps extends TailOptions {
  agents: Pick<AgentDirectory, 'find'>;
  logs: Pick<LogQuery, 'after' | 'recent'>;
  /** Share one manager with the composition root (to stop every tail at shutdown). */
  tails?: TailManager;
  /** API the tail sends and edits with (default the update's `ctx.api`); the tail honours 429 itself, so pass one without a retry. */
  api?: Pick<Api, 'sendMessage' | 'editMessageText'>;
}

function parseLevel(word: string | undefined): WireLogLevel | undefined {
  if (!word) return undefined;
  const w = word.toLowerCase();
  const alias: Record<string, WireLogLevel> = { all: 'debug', warning: 'warn', err: 'error' };
  return (LOG_LEVELS as readonly string[]).includes(w) ? (w as WireLogLevel) : alias[w];
}

export function createTailFeature(deps: TailFeatureDeps): Composer<BotContext> {
  const tails = deps.tails ?? createTailManager(deps);
  const defaultLevel = deps.defaultLevel ?? 'info';
  const composer = new Composer<BotContext>();

  async function begin(ctx: BotContext, ref: string, level: WireLogLevel): Promise<void> {
    const trader = ctx.trader;
    const chatId = ctx.chat?.id;
    if (!trader || chatId === undefined) return void (await ctx.reply('Send /start first.'));
    let agent;
    try {
      agent = await deps.agents.find(trader.id, ref);
    } catch (err) {
      if (err instanceof HubError) return void (await ctx.reply(err.userMessage));
      throw err;
    }
    await tails.start(deps.api ?? ctx.api, chatId, { id: agent.id, name: agent.name }, level);
  }

  composer.command('tail', async (ctx) => {
    const [ref, levelWord, ...extra] = ctx.match.trim().split(/\s+/).filter(Boolean);
    const level = levelWord === undefined ? defaultLevel : parseLevel(levelWord);
    if (!ref || !level || extra.length) {
      return void (await ctx.reply(
        'Usage: /tail &lt;agent&gt; [debug|info|warn|error]\nShows the newest log lines live for 10 minutes.',
        html,
      ));
    }
    await begin(ctx, ref, level);
  });

  composer.callbackQuery(/^tail:stop:([0-9a-f-]{36})$/i, async (ctx) => {
    const chatId = ctx.chat?.id;
    const stopped = chatId !== undefined && (await tails.stop(chatId, ctx.match[1]!, 'stopped'));
    await ctx.answerCallbackQuery(stopped ? 'Tail stopped.' : 'This tail is not running.');
    if (!stopped) await ctx.editMessageReplyMarkup().catch(() => {});
  });

  composer.callbackQuery(/^tail:([0-9a-f-]{36})$/i, async (ctx) => {
    await ctx.answerCallbackQuery('Starting the live tail…');
    await begin(ctx, ctx.match[1]!, defaultLevel);
  });

  return composer;
}
