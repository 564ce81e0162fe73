/**
 * Running the built bot: `start()` registers the command list and the chat menu button, then sets the webhook or begins
 * long polling, and starts the idle-flow sweep; `stop()` ends polling and the sweep and waits
 * (briefly) for queued updates.
 *
 * Long polling runs without grammY's runner: `getUpdates` in a loop that hands every update to
 * the update queue (per-chat order, chats concurrent) and never handles one itself, so a slow
 * flow does not hold up the next poll. Network trouble backs off (1 s doubling to 30 s), a 429
 * waits its `retry_after`, and a refused token (401) ends the loop.
 */
import { GrammyError, type Api, type Bot } from 'grammy';
import type { MenuButton, Update } from 'grammy/types';
import type { Logger } from '../logger.js';
import type { BotContext } from './context.js';
import { COMMANDS } from './features/general.js';
import type { UpdateQueue } from './update-queue.js';

const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

/** Read on every round: the loop ends once `stopped`, and each poll is aborted by the current `signal`. */
interface PollControl {
  readonly stopped: boolean;
  readonly signal: AbortSignal;
}

async function pollUpdates(api: Api, control: PollControl, push: (update: Update) => void, log: Logger): Promise<void> {
  let offset = 0;
  let backoffMs = 1000;
  while (!control.stopped) {
    try {
      // The loop waits out a 429 itself (below), so it polls without the retry.
      const updates = await api.getUpdates(
        { offset, timeout: 30, allowed_updates: [...ALLOWED_UPDATES] },
        control.signal as Parameters<typeof api.getUpdates>[1],
      );
      backoffMs = 1000;
      for (const u of updates) {
        offset = u.update_id + 1;
        push(u);
      }
    } catch (error) {
      if (control.stopped) return;
      let wait = backoffMs;
      if (error instanceof GrammyError && error.error_code === 429) wait = (error.parameters.retry_after ?? 5) * 1000;
      else if (error instanceof GrammyError && error.error_code === 401) {
        log.error('Telegram refused the bot token (401); polling stopped');
        return;
      }
      log.warn(
        { reason: error instanceof GrammyError ? error.description : String((error as Error).message), waitMs: wait },
        'getUpdates failed; retrying',
      );
      await new Promise((r) => setTimeout(r, wait).unref());
      backoffMs = Math.min(backoffMs * 2, 30_000);
    }
  }
}

export interface BotRunnerParts {
  bot: Bot<BotContext>;
  /** The Bot API without the 429 retry: the poll loop waits out a 429 itself. */
  directApi: Api;
  queue: UpdateQueue;
  /** Set: webhook mode (updates arrive through the HTTP route); unset: long polling. */
  webhookUrl: string | undefined;
  webhookSecret: string;
  /** Expires idle flows; run every `sweepIntervalMs` while the bot runs. */
  sweepIdleFlows(): Promise<number>;
  sweepIntervalMs: number;
  /** The chat menu button set at every start (Dashboard with PUBLIC_URL, else Telegram's default). */
  menuButton?: MenuButton;
  log: Logger;
}

export interface BotRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createBotRunner(parts: BotRunnerParts): BotRunner {
  const { bot, queue, log, webhookUrl } = parts;
  let polling: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pollControl: PollControl = {
    get stopped() {
      return stopped;
    },
    get signal() {
      return abort!.signal;
    },
  };

  return {
    async start() {
      stopped = false;
      await bot.init();
      await bot.api
        .setMyCommands(COMMANDS)
        .catch((error: unknown) =>
          log.warn({ reason: error instanceof GrammyError ? error.description : String(error) }, 'setMyCommands failed'),
        );
      // Set every start, also back to the default: an unset PUBLIC_URL must not leave an old Dashboard button.
      if (parts.menuButton)
        await bot.api
          .setChatMenuButton({ menu_button: parts.menuButton })
          .catch((error: unknown) =>
            log.warn({ reason: error instanceof GrammyError ? error.description : String(error) }, 'setChatMenuButton failed'),
          );
      if (webhookUrl) {
        await bot.api.setWebhook(webhookUrl, { secret_token: parts.webhookSecret, allowed_updates: [...ALLOWED_UPDATES] });
        log.info({ mode: 'webhook' }, 'bot webhook set');
      } else {
        await bot.api.deleteWebhook();
        abort = new AbortController();
        polling = pollUpdates(parts.directApi, pollControl, (u) => queue.push(u), log);
        log.info({ mode: 'polling', username: bot.botInfo.username }, 'bot polling');
      }
      sweepTimer = setInterval(
        () => void parts.sweepIdleFlows().catch((e) => log.error({ err: e }, 'idle-flow sweep failed')),
        parts.sweepIntervalMs,
      );
      sweepTimer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      abort?.abort();
      await polling?.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queue.drain(), new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    },
  };
}
