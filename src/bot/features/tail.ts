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
 */
import { Composer, GrammyError, InlineKeyboard, type Api } from 'grammy';
import type { AgentDirectory } from '../../hub/agents/agent-directory.js';
import type { LogQuery } from '../../hub/agents/agent-logs.js';
import { HubError } from '../../hub/errors.js';
import type { Logger } from '../../logger.js';
import { LOG_LEVELS, type LogEntryWire, type WireLogLevel } from '../../shared/wire.js';
import { systemClock, type Clock } from '../alerts/clock.js';
import type { BotContext } from '../context.js';
import { escapeHtml, logLine, MESSAGE_LIMIT } from '../format.js';
import type { OutboundQueue } from '../outbound-queue.js';

const html = { parse_mode: 'HTML' as const };

export interface TailOptions {
  clock?: Clock;
  /** Minimum gap between two edits of a tail message (ms, default 2000). */
  editIntervalMs?: number;
  /** A tail stops by itself after this long (ms, default 10 min). */
  maxDurationMs?: number;
  /** Lines kept in the message (default 30; fewer when they would pass the length limit). */
  maxLines?: number;
  /** Level used when /tail names none (default `info`). */
  defaultLevel?: WireLogLevel;
  /** Shares the outbound queue's limits (slots and 429 pauses) when given. */
  pacer?: Pick<OutboundQueue, 'tryReserve' | 'noteRetryAfter'>;
  logger?: Logger;
}

export interface TailFeatureDeps extends TailOptions {
  agents: Pick<AgentDirectory, 'find'>;
  logs: Pick<LogQuery, 'after' | 'recent'>;
  /** Share one manager with the composition root (to stop every tail at shutdown). */
  tails?: TailManager;
  /** API the tail sends and edits with (default the update's `ctx.api`); the tail honours 429 itself, so pass one without a retry. */
  api?: Pick<Api, 'sendMessage' | 'editMessageText'>;
}

export type TailEndReason = 'stopped' | 'expired' | 'replaced' | 'gone' | 'shutdown';

export interface TailInfo {
  chatId: number;
  agentId: string;
  agentName: string;
  messageId: number;
  level: WireLogLevel;
  startedAt: number;
}

export interface TailManager {
  /** Sends the tail message and starts editing it; replaces a tail of the same chat and agent. */
  start(api: Pick<Api, 'sendMessage' | 'editMessageText'>, chatId: number, agent: { id: string; name: string }, level: WireLogLevel): Promise<TailInfo>;
  /** Stops a tail (final edit says why); false when none was running. */
  stop(chatId: number, agentId: string, reason?: TailEndReason): Promise<boolean>;
  /** Stops every tail (shutdown). */
  stopAll(): Promise<void>;
  active(): TailInfo[];
  /** Resolves when no round (read + edit) is running (tests). */
  idle(): Promise<void>;
}

interface Session extends TailInfo {
  api: Pick<Api, 'sendMessage' | 'editMessageText'>;
  lines: string[];
  lastSeq: number;
  dirty: boolean;
  /** No edits before this time (Telegram asked us to wait). */
  skipUntil: number;
  lastEditAt: number;
  timer?: unknown;
  ended: boolean;
}

const key = (chatId: number, agentId: string) => `${chatId}:${agentId}`;
const stopKeyboard = (agentId: string) => new InlineKeyboard().text('⏹ Stop', `tail:stop:${agentId}`);

function endNote(reason: TailEndReason, agentName: string, minutes: number): string {
  const again = `Send /tail ${escapeHtml(agentName)} to watch again.`;
  switch (reason) {
    case 'expired':
      return `⏹ Tail stopped after ${minutes} minutes. ${again}`;
    case 'stopped':
      return `⏹ Tail stopped. ${again}`;
    case 'replaced':
      return '⏹ Replaced by a newer tail below.';
    case 'shutdown':
      return `⏹ Tail stopped: the server is restarting. ${again}`;
    case 'gone':
      return '⏹ Tail stopped.';
  }
}

export function createTailManager(deps: { logs: Pick<LogQuery, 'after' | 'recent'> } & TailOptions): TailManager {
  const clock = deps.clock ?? systemClock;
  const editIntervalMs = deps.editIntervalMs ?? 2000;
  const maxDurationMs = deps.maxDurationMs ?? 10 * 60_000;
  const maxLines = deps.maxLines ?? 30;
  const sessions = new Map<string, Session>();
  const running = new Set<Promise<void>>();

  function lineOf(e: LogEntryWire): string {
    return logLine({ ...e, message: e.message.length > 500 ? `${e.message.slice(0, 499)}…` : e.message });
  }

  function render(s: Session, footer?: string): string {
    const head = `📡 <b>Tail</b> ${escapeHtml(s.agentName)} · ${s.level === 'debug' ? 'all levels' : `${s.level} and above`}`;
    const tail = footer ? `\n\n${footer}` : '';
    const budget = MESSAGE_LIMIT - head.length - tail.length - 2;
    const kept: string[] = [];
    let length = 0;
    for (let i = s.lines.length - 1; i >= 0; i--) {
      const line = s.lines[i]!;
      if (length + line.length + 1 > budget) break;
      kept.unshift(line);
      length += line.length + 1;
    }
    const body = kept.length ? kept.join('\n') : '<i>Waiting for log lines…</i>';
    return `${head}\n\n${body}${tail}`;
  }

  function append(s: Session, entries: LogEntryWire[]): void {
    for (const e of entries) {
      if (e.seq <= s.lastSeq) continue;
      s.lastSeq = e.seq;
      s.lines.push(lineOf(e));
      s.dirty = true;
    }
    if (s.lines.length > maxLines) s.lines.splice(0, s.lines.length - maxLines);
  }

  function retryAfterOf(err: unknown): number | undefined {
    return err instanceof GrammyError && err.error_code === 429 ? (err.parameters.retry_after ?? 1) : undefined;
  }

  /** Edits the message; false when the message is gone (deleted, bot blocked). */
  async function edit(s: Session, text: string, withButton: boolean): Promise<boolean> {
    try {
      await s.api.editMessageText(s.chatId, s.messageId, text, { ...html, link_preview_options: { is_disabled: true }, ...(withButton ? { reply_markup: stopKeyboard(s.agentId) } : {}) });
      s.lastEditAt = clock.now();
      s.dirty = false;
      return true;
    } catch (err) {
      const retryAfter = retryAfterOf(err);
      if (retryAfter !== undefined) {
        s.skipUntil = clock.now() + retryAfter * 1000;
        deps.pacer?.noteRetryAfter(s.chatId, retryAfter);
        return true;
      }
      if (err instanceof GrammyError && err.description.includes('message is not modified')) {
        s.dirty = false;
        return true;
      }
      if (err instanceof GrammyError && (err.error_code === 403 || /message to edit not found|chat not found/.test(err.description))) return false;
      deps.logger?.warn({ err, chatId: s.chatId, agentId: s.agentId }, 'tail edit failed');
      return true;
    }
  }

  function schedule(s: Session): void {
    if (s.ended) return;
    const t = clock.now();
    const expiresAt = s.startedAt + maxDurationMs;
    const at = Math.min(Math.max(t + editIntervalMs, s.skipUntil), expiresAt);
    s.timer = clock.setTimeout(() => {
      const p = round(s).catch((err: unknown) => deps.logger?.warn({ err, agentId: s.agentId }, 'tail round failed'));
      running.add(p);
      void p.finally(() => running.delete(p));
    }, at - t);
  }

  async function round(s: Session): Promise<void> {
    if (s.ended) return;
    const t = clock.now();
    if (t >= s.startedAt + maxDurationMs) return void (await end(s, 'expired'));
    try {
      append(s, await deps.logs.after(s.agentId, s.lastSeq, 200, s.level));
    } catch (err) {
      deps.logger?.warn({ err, agentId: s.agentId }, 'tail could not read logs');
    }
    if (s.ended) return;
    const due = t >= s.skipUntil && t - s.lastEditAt >= editIntervalMs;
    if (s.dirty && due && (deps.pacer?.tryReserve(s.chatId) ?? true)) {
      if (!(await edit(s, render(s), true))) return void (await end(s, 'gone'));
    }
    schedule(s);
  }

  async function end(s: Session, reason: TailEndReason): Promise<void> {
    if (s.ended) return;
    s.ended = true;
    if (s.timer !== undefined) clock.clearTimeout(s.timer);
    if (sessions.get(key(s.chatId, s.agentId)) === s) sessions.delete(key(s.chatId, s.agentId));
    if (reason === 'gone') return;
    const finalEdit = () => edit(s, render(s, endNote(reason, s.agentName, Math.round(maxDurationMs / 60_000))), false);
    const wait = s.skipUntil - clock.now();
    // Telegram asked us to wait: the closing edit goes out once the wait is over.
    if (wait > 0) {
      clock.setTimeout(() => {
        const p = finalEdit().then(() => {});
        running.add(p);
        void p.finally(() => running.delete(p));
      }, wait);
    }
    else await finalEdit();
  }

  return {
    async start(api, chatId, agent, level) {
      const previous = sessions.get(key(chatId, agent.id));
      if (previous) await end(previous, 'replaced');
      const recent = await deps.logs.recent(agent.id, maxLines, level);
      const s: Session = {
        api,
        chatId,
        agentId: agent.id,
        agentName: agent.name,
        level,
        messageId: 0,
        startedAt: clock.now(),
        lines: [],
        lastSeq: 0,
        dirty: false,
        skipUntil: 0,
        lastEditAt: clock.now(),
        ended: false,
      };
      append(s, recent);
      s.dirty = false;
      const sent = await api.sendMessage(chatId, render(s), { ...html, link_preview_options: { is_disabled: true }, reply_markup: stopKeyboard(agent.id) });
      s.messageId = sent.message_id;
      sessions.set(key(chatId, agent.id), s);
      schedule(s);
      return { chatId, agentId: s.agentId, agentName: s.agentName, messageId: s.messageId, level, startedAt: s.startedAt };
    },

    async stop(chatId, agentId, reason = 'stopped') {
      const s = sessions.get(key(chatId, agentId));
      if (!s) return false;
      await end(s, reason);
      return true;
    },

    async stopAll() {
      await Promise.allSettled([...sessions.values()].map((s) => end(s, 'shutdown')));
    },

    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },

    active() {
      return [...sessions.values()].map(({ chatId, agentId, agentName, messageId, level, startedAt }) => ({ chatId, agentId, agentName, messageId, level, startedAt }));
    },
  };
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
      return void (await ctx.reply('Usage: /tail &lt;agent&gt; [debug|info|warn|error]\nShows the newest log lines live for 10 minutes.', html));
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
