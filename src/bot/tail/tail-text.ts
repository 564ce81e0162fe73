/**
 * What a live tail message says: a header naming the agent and level, the newest log lines
 * (escaped; the oldest dropped to stay under Telegram's length limit), the ⏹ Stop button, and the
 * closing note that says why the tail ended.
 */
import { InlineKeyboard } from 'grammy';
import type { LogEntryWire, WireLogLevel } from '../../shared/wire.js';
import { escapeHtml, logLine, MESSAGE_LIMIT } from '../format.js';

export type TailEndReason = 'stopped' | 'expired' | 'replaced' | 'gone' | 'shutdown';

export interface TailView {
  agentName: string;
  level: WireLogLevel;
  /** Rendered lines, oldest first. */
  lines: readonly string[];
}

/** Callback data of the Stop button: `tail:stop:<agentId>`. */
export const stopKeyboard = (agentId: string) => new InlineKeyboard().text('⏹ Stop', `tail:stop:${agentId}`);

/** One log entry as a tail line (messages clipped at 500 characters). */
export function tailLine(e: LogEntryWire): string {
  return logLine({ ...e, message: e.message.length > 500 ? `${e.message.slice(0, 499)}…` : e.message });
}

/** The whole message: as many of the newest lines as fit under MESSAGE_LIMIT with the footer. */
export function renderTail(view: TailView, footer?: string): string {
  const head = `📡 <b>Tail</b> ${escapeHtml(view.agentName)} · ${view.level === 'debug' ? 'all levels' : `${view.level} and above`}`;
  const tail = footer ? `\n\n${footer}` : '';
  const budget = MESSAGE_LIMIT - head.length - tail.length - 2;
  const kept: string[] = [];
  let length = 0;
  for (let i = view.lines.length - 1; i >= 0; i--) {
    const line = view.lines[i]!;
    if (length + line.length + 1 > budget) break;
    kept.unshift(line);
    length += line.length + 1;
  }
  const body = kept.length ? kept.join('\n') : '<i>Waiting for log lines…</i>';
  return `${head}\n\n${body}${tail}`;
}

export function endNote(reason: TailEndReason, agentName: string, minutes: number): string {
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
