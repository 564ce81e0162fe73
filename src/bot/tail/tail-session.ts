/**
 * One live tail: the message it edits and the rounds that edit it. Each round reads the lines
 * after the last one shown and edits the message when there are new ones, at most every
 * `editIntervalMs`, never while Telegram asked to wait (429 `retry_after`), and only when the
 * shared pacer grants a slot. The tail ends by itself after `maxDurationMs` or when its message
 * is gone; a closing edit says why.
 */
import { GrammyError, type Api } from 'grammy';
import type { LogQuery } from '../../hub/agents/agent-logs.js';
import type { Logger } from '../../logger.js';
import type { LogEntryWire, WireLogLevel } from '../../shared/wire.js';
import type { Clock } from '../../shared/clock.js';
import { isNotModified } from '../edit-in-place.js';
import type { OutboundQueue } from '../outbound-queue.js';
import { retryAfterOf } from '../outbound/send-failure.js';
import type { PendingWork } from '../pending-work.js';
import { endNote, renderTail, stopKeyboard, tailLine, type TailEndReason } from './tail-text.js';

const html = { parse_mode: 'HTML' as const };

export type TailApi = Pick<Api, 'sendMessage' | 'editMessageText'>;

export interface TailInfo {
  chatId: number;
  agentId: string;
  agentName: string;
  messageId: number;
  level: WireLogLevel;
  startedAt: number;
}

export interface TailSessionDeps {
  clock: Clock;
  /** Minimum gap between two edits (ms). */
  editIntervalMs: number;
  /** The tail ends by itself after this long (ms). */
  maxDurationMs: number;
  /** Lines kept in the message. */
  maxLines: number;
  logs: Pick<LogQuery, 'after'>;
  pacer?: Pick<OutboundQueue, 'tryReserve' | 'noteRetryAfter'>;
  logger?: Logger;
  /** Rounds and delayed closing edits run detached; the manager waits for them here. */
  work: PendingWork;
  /** Told once, when the tail ends (before its closing edit). */
  onEnd(session: TailSession): void;
}

export interface TailSession {
  info(): TailInfo;
  /** Sends the tail message showing `recent`; then `run()` starts the edit rounds. */
  send(recent: LogEntryWire[]): Promise<void>;
  run(): void;
  end(reason: TailEndReason): Promise<void>;
}

interface TailState extends TailInfo {
  api: TailApi;
  lines: string[];
  lastSeq: number;
  dirty: boolean;
  /** No edits before this time (Telegram asked us to wait). */
  skipUntil: number;
  lastEditAt: number;
  timer?: unknown;
  ended: boolean;
}

/** Edits the message; false when the message is gone (deleted, bot blocked). */
async function editTail(s: TailState, deps: TailSessionDeps, text: string, withButton: boolean): Promise<boolean> {
  try {
    await s.api.editMessageText(s.chatId, s.messageId, text, {
      ...html,
      link_preview_options: { is_disabled: true },
      ...(withButton ? { reply_markup: stopKeyboard(s.agentId) } : {}),
    });
    s.lastEditAt = deps.clock.now();
    s.dirty = false;
    return true;
  } catch (err) {
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== undefined) {
      s.skipUntil = deps.clock.now() + retryAfter * 1000;
      deps.pacer?.noteRetryAfter(s.chatId, retryAfter);
      return true;
    }
    if (isNotModified(err)) {
      s.dirty = false;
      return true;
    }
    if (err instanceof GrammyError && (err.error_code === 403 || /message to edit not found|chat not found/.test(err.description)))
      return false;
    deps.logger?.warn({ err, chatId: s.chatId, agentId: s.agentId }, 'tail edit failed');
    return true;
  }
}

function appendLines(s: TailState, entries: LogEntryWire[], maxLines: number): void {
  for (const e of entries) {
    if (e.seq <= s.lastSeq) continue;
    s.lastSeq = e.seq;
    s.lines.push(tailLine(e));
    s.dirty = true;
  }
  if (s.lines.length > maxLines) s.lines.splice(0, s.lines.length - maxLines);
}

/** A tail not sent yet: no lines, no edit due before `editIntervalMs` from `now`. */
function newTailState(api: TailApi, chatId: number, agent: { id: string; name: string }, level: WireLogLevel, now: number): TailState {
  return {
    api,
    chatId,
    agentId: agent.id,
    agentName: agent.name,
    level,
    messageId: 0,
    startedAt: now,
    lines: [],
    lastSeq: 0,
    dirty: false,
    skipUntil: 0,
    lastEditAt: now,
    ended: false,
  };
}

function infoOf(s: TailState): TailInfo {
  return {
    chatId: s.chatId,
    agentId: s.agentId,
    agentName: s.agentName,
    messageId: s.messageId,
    level: s.level,
    startedAt: s.startedAt,
  };
}

export function createTailSession(
  deps: TailSessionDeps,
  api: TailApi,
  chatId: number,
  agent: { id: string; name: string },
  level: WireLogLevel,
): TailSession {
  const { clock, editIntervalMs, maxDurationMs } = deps;
  const s = newTailState(api, chatId, agent, level, clock.now());

  function schedule(): void {
    if (s.ended) return;
    const t = clock.now();
    const at = Math.min(Math.max(t + editIntervalMs, s.skipUntil), s.startedAt + maxDurationMs);
    s.timer = clock.setTimeout(() => {
      void deps.work.track(round().catch((err: unknown) => deps.logger?.warn({ err, agentId: s.agentId }, 'tail round failed')));
    }, at - t);
  }

  async function round(): Promise<void> {
    if (s.ended) return;
    const t = clock.now();
    if (t >= s.startedAt + maxDurationMs) return void (await session.end('expired'));
    try {
      appendLines(s, await deps.logs.after(s.agentId, s.lastSeq, 200, s.level), deps.maxLines);
    } catch (err) {
      deps.logger?.warn({ err, agentId: s.agentId }, 'tail could not read logs');
    }
    if (s.ended) return;
    const due = t >= s.skipUntil && t - s.lastEditAt >= editIntervalMs;
    if (s.dirty && due && (deps.pacer?.tryReserve(s.chatId) ?? true)) {
      if (!(await editTail(s, deps, renderTail(s), true))) return void (await session.end('gone'));
    }
    schedule();
  }

  const session: TailSession = {
    info: () => infoOf(s),
    async send(recent) {
      appendLines(s, recent, deps.maxLines);
      s.dirty = false;
      const sent = await api.sendMessage(chatId, renderTail(s), {
        ...html,
        link_preview_options: { is_disabled: true },
        reply_markup: stopKeyboard(agent.id),
      });
      s.messageId = sent.message_id;
    },
    run: schedule,
    async end(reason) {
      if (s.ended) return;
      s.ended = true;
      if (s.timer !== undefined) clock.clearTimeout(s.timer);
      deps.onEnd(session);
      if (reason === 'gone') return;
      const finalEdit = () => editTail(s, deps, renderTail(s, endNote(reason, s.agentName, Math.round(maxDurationMs / 60_000))), false);
      const wait = s.skipUntil - clock.now();
      // Telegram asked us to wait: the closing edit goes out once the wait is over.
      if (wait > 0) {
        clock.setTimeout(() => {
          void deps.work.track(finalEdit());
        }, wait);
      } else await finalEdit();
    },
  };
  return session;
}
