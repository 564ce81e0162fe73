/**
 * One message edited in place as long work goes on (a backtest's progress), at most one edit per
 * `minIntervalMs` (Telegram limits edits; 2 s keeps well inside them): an update that comes too
 * soon waits, and a newer one replaces it, so the message always ends on the latest state. Edits
 * go out in order; "message is not modified" is not an error; an unchanged view is not sent.
 */
import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Clock } from '../shared/clock.js';
import { isNotModified } from './edit-in-place.js';

export const PROGRESS_EDIT_INTERVAL_MS = 2_000;

export interface ProgressView {
  /** Telegram HTML. */
  text: string;
  /** Buttons under the message; none when absent (an edit without them removes them). */
  markup?: InlineKeyboardMarkup;
}

export interface ProgressMessageOptions {
  api: Pick<Api, 'editMessageText'>;
  chatId: number;
  messageId: number;
  timers: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
  minIntervalMs?: number;
  /** An edit Telegram refused (other than "not modified"); the message stays as it was. */
  onError: (error: unknown) => void;
}

export interface ProgressMessage {
  /** Shows `view` now when the last edit is old enough, else once it is (unless a newer view comes first). */
  update(view: ProgressView): void;
  /** Shows `view` at once (a new button, a final state) and resolves once edited; `final` ends the updates. */
  show(view: ProgressView, final?: boolean): Promise<void>;
  /** Resolves once the edits sent so far are answered (a waiting update is not sent by this). */
  settled(): Promise<void>;
}

export function createProgressMessage(options: ProgressMessageOptions): ProgressMessage {
  const { api, chatId, messageId, timers, onError } = options;
  const minInterval = options.minIntervalMs ?? PROGRESS_EDIT_INTERVAL_MS;
  let lastAt = -Infinity;
  let shown = '';
  let waiting: ProgressView | undefined;
  let timer: unknown;
  let closed = false;
  let edits = Promise.resolve();

  function send(view: ProgressView): Promise<void> {
    const key = JSON.stringify(view);
    if (key === shown) return edits;
    shown = key;
    lastAt = timers.now();
    edits = edits.then(() =>
      api.editMessageText(chatId, messageId, view.text, { parse_mode: 'HTML', ...(view.markup ? { reply_markup: view.markup } : {}) }).then(
        () => undefined,
        (error: unknown) => {
          if (!isNotModified(error)) onError(error);
        },
      ),
    );
    return edits;
  }

  function flush(): void {
    timer = undefined;
    const view = waiting;
    waiting = undefined;
    if (view && !closed) void send(view);
  }

  function cancelWait(): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    waiting = undefined;
  }

  return {
    update(view) {
      if (closed) return;
      waiting = view;
      // The clock decides; the timer only sends what waits when no newer update comes.
      const wait = lastAt + minInterval - timers.now();
      if (wait > 0) {
        timer ??= timers.setTimeout(flush, wait);
        return;
      }
      if (timer !== undefined) timers.clearTimeout(timer);
      flush();
    },
    show(view, final = false) {
      if (closed) return edits;
      cancelWait();
      closed = final;
      return send(view);
    },
    settled: () => edits,
  };
}
