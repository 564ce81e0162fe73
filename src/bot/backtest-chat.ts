/**
 * A backtest (or a /compare) run from a chat, whoever started it (the /backtest flow, its one-line
 * form, /compare, an agent card's button): ONE progress message, edited in place at most every
 * 2 s (./progress-message.ts) through loading → queue position → bars done and trades so far,
 * with a ✖️ Cancel button only the asker can press; then the result (./backtest-send.ts). A
 * refusal of the hub (busy user, full queue, unknown symbol, period beyond the history, TP/SL
 * beyond liquidation) ends up in that same message, in the hub's words.
 *
 * The job outlives the update that started it: its events arrive on the listener, and every send
 * after that goes through the bot's API directly, its failures logged, never thrown.
 */
import { InlineKeyboard, type Api } from 'grammy';
import { HubError } from '../hub/errors.js';
import type { BacktestEvent, BacktestParams, BacktestService } from '../hub/backtest/types.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../shared/clock.js';
import { sendRecord, type BacktestCharts } from './backtest-send.js';
import { progressText, type JobState } from './backtest-format.js';
import { ownedCallbackData } from './owned-callback.js';
import { createProgressMessage, type ProgressMessage } from './progress-message.js';

/** Callback prefix of the ✖️ Cancel button: `btx:<asker>:<job id>`. */
export const CANCEL_PREFIX = 'btx';

export interface BacktestChatDeps {
  backtests: BacktestService;
  charts: BacktestCharts;
  logger: Logger;
  /** `now` is the bot's clock; the timers pace the progress edits. */
  timers: Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;
}

/** Where the run is shown and whose it is. */
export interface ChatTarget {
  api: Api;
  chatId: number;
  /** Telegram id of the asker: only they can press the buttons. */
  telegramUserId: number;
  ownerId: string;
  timeZone?: string;
}

export type BacktestJob = { kind: 'backtest'; params: BacktestParams } | { kind: 'compare'; params: Omit<BacktestParams, 'strategy'> };

function cancelKeyboard(telegramUserId: number, jobId: string): InlineKeyboard {
  return new InlineKeyboard().text('✖️ Cancel', ownedCallbackData(CANCEL_PREFIX, telegramUserId, [jobId]));
}

/** Turns the job's events into edits of its progress message and, at the end, the result. */
function followJob(deps: BacktestChatDeps, target: ChatTarget, progress: ProgressMessage, heading: string) {
  let state: JobState = { phase: 'loading' };
  let jobId: string | undefined;
  let over = false;
  const view = () => ({
    text: progressText(heading, state),
    ...(jobId && !over ? { markup: cancelKeyboard(target.telegramUserId, jobId) } : {}),
  });
  const log = deps.logger.child({ chatId: target.chatId });

  async function finish(next: JobState, then?: () => Promise<void>): Promise<void> {
    over = true;
    state = next;
    await progress.show(view(), true);
    await then?.();
  }

  function listener(e: BacktestEvent): void {
    if (over) return;
    let done: Promise<void> | undefined;
    switch (e.kind) {
      case 'queued':
        // Rare (once per move up the queue) and worth seeing at once: not held back like progress.
        state = { phase: 'queued', position: e.position };
        if (jobId) void progress.show(view());
        return;
      case 'started':
        state = { phase: 'running' };
        break;
      case 'progress':
        state = { phase: 'running', progress: e.progress };
        break;
      case 'done': {
        const r = e.record.result;
        const trades =
          e.record.kind === 'backtest'
            ? e.record.result.summary.trades
            : e.record.result.rows.reduce((n, row) => n + row.summary.trades, 0);
        done = finish({ phase: 'done', bars: r.bars, trades }, () => sendRecord(deps, target, e.record));
        break;
      }
      case 'failed':
        done = finish({ phase: 'failed', message: e.message });
        break;
      case 'cancelled':
        done = finish({ phase: 'cancelled' });
        break;
    }
    if (done) void done.catch((error: unknown) => log.error({ err: error }, 'sending a backtest result failed'));
    else if (jobId) progress.update(view());
  }

  return {
    listener,
    /** The job is queued under `id`: the Cancel button appears at once. */
    started: (id: string) => {
      jobId = id;
      if (state.phase === 'loading') state = { phase: 'accepted' };
      return over ? Promise.resolve() : progress.show(view());
    },
    refused: (message: string) => finish({ phase: 'refused', message }),
  };
}

/** Submits the job and follows it to its end (detached from the update: history may take a while to load). */
async function submitAndFollow(deps: BacktestChatDeps, target: ChatTarget, job: BacktestJob, follow: ReturnType<typeof followJob>) {
  try {
    const { id } =
      job.kind === 'backtest'
        ? await deps.backtests.submit(target.ownerId, job.params, follow.listener)
        : await deps.backtests.compare(target.ownerId, job.params, follow.listener);
    await follow.started(id);
  } catch (error) {
    if (!(error instanceof HubError)) deps.logger.error({ err: error, chatId: target.chatId }, 'a backtest could not be submitted');
    await follow.refused(error instanceof HubError ? error.userMessage : 'Something went wrong on our side. Please try again.');
  }
}

/**
 * Sends the progress message and resolves; the job is submitted and followed from there on its
 * own, so loading its history (paged from the exchange, perhaps for minutes) never holds up the
 * chat's next updates. The ✖️ Cancel button appears once the hub has taken the job.
 */
export async function runInChat(deps: BacktestChatDeps, target: ChatTarget, job: BacktestJob, heading: string): Promise<void> {
  const sent = await target.api.sendMessage(target.chatId, progressText(heading, { phase: 'loading' }), { parse_mode: 'HTML' });
  const log = deps.logger.child({ chatId: target.chatId });
  const progress = createProgressMessage({
    api: target.api,
    chatId: target.chatId,
    messageId: sent.message_id,
    timers: deps.timers,
    onError: (error) => log.warn({ err: error }, 'a backtest progress edit was refused'),
  });
  const follow = followJob(deps, target, progress, heading);
  void submitAndFollow(deps, target, job, follow).catch((error: unknown) => log.error({ err: error }, 'following a backtest failed'));
}
