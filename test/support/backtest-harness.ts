/**
 * The bot over the REAL backtest service (src/hub/backtest: validation, queue, worker threads,
 * store) for chat tests, its history injected from the simulated provider of the harness's hub
 * through a gate the test can hold (a job stays "loading its history" until released), on the
 * bot's clock. The hub's own chart service draws the pictures.
 */
import { createBacktestQueue } from '../../src/hub/backtest/backtest-queue.js';
import { createBacktestService } from '../../src/hub/backtest/backtest-service.js';
import { createBacktestStore } from '../../src/hub/backtest/backtest-store.js';
import { createHistoryDeps, loadHistory, type HistoryRequest } from '../../src/hub/backtest/history.js';
import type { BacktestEvent, BacktestService } from '../../src/hub/backtest/types.js';
import { fieldText, type BotApiCall } from './bot-api-server.js';
import { createBotHarness, type BotHarness, type TestUser } from './bot-harness.js';

export interface HistoryGate {
  /** From now on, history loads wait until `release`. */
  hold(): void;
  release(): void;
  /** Every history request, in order. */
  requests: HistoryRequest[];
}

export interface BacktestHarness {
  h: BotHarness;
  backtests: BacktestService;
  gate: HistoryGate;
  /** Called with every event the service sends the bot, before the bot sees it. */
  beforeEvent?: (event: BacktestEvent) => void;
  close(): Promise<void>;
}

export async function createBacktestHarness(): Promise<BacktestHarness> {
  let service: BacktestService | undefined;
  let held: { promise: Promise<void>; release: () => void } | undefined;
  const requests: HistoryRequest[] = [];
  const h = await createBotHarness({
    env: { ACCESS_MODE: 'open' },
    botHub: (hub, { orm, config, now }) => {
      const history = createHistoryDeps(hub.market, now);
      service ??= createBacktestService({
        store: createBacktestStore(orm),
        queue: createBacktestQueue({ concurrency: 1, maxWaiting: 4 }),
        loadHistory: async (request) => {
          requests.push(request);
          await held?.promise;
          return loadHistory(history, request);
        },
        costs: { feeBps: config.paper.feeBps, slippageBps: config.paper.slippageBps },
        limits: { maxLeverage: config.agents.maxLeverage },
        now,
      });
      // The bot gets the service as it is; only its events are shown to the test first.
      const real = service;
      const watched = (listener: (e: BacktestEvent) => void) => (e: BacktestEvent) => {
        harness.beforeEvent?.(e);
        listener(e);
      };
      const backtests: BacktestService = {
        ...real,
        submit: (ownerId, params, listener) => real.submit(ownerId, params, watched(listener)),
        compare: (ownerId, params, listener) => real.compare(ownerId, params, watched(listener)),
      };
      return { ...hub, backtests };
    },
  });
  const gate: HistoryGate = {
    hold() {
      let release!: () => void;
      const promise = new Promise<void>((r) => (release = r));
      held = { promise, release };
    },
    release() {
      held?.release();
      held = undefined;
    },
    requests,
  };
  const harness: BacktestHarness = {
    h,
    backtests: service!,
    gate,
    async close() {
      gate.release();
      await service?.stop();
      await h.close();
    },
  };
  return harness;
}

/** What the bot sent to one chat (texts and photos, with the ids the stand-in gave them), its edits and button answers. */
export function chatOf(h: BotHarness, user: TestUser) {
  const here = (c: BotApiCall) => c.chatId === String(user.chatId);
  const sent = () =>
    h.api.calls
      .filter((c) => c.status === 200 && (c.method === 'sendMessage' || c.method === 'sendPhoto') && here(c))
      .map((call, i) => ({ call, id: i + 1, text: fieldText(call.payload.text), buttons: buttonsIn(call) }));
  return {
    sent,
    photos: () => sent().filter((m) => m.call.method === 'sendPhoto'),
    /** Successful edits of message `id`, in order. */
    edits: (id: number) => h.api.succeeded('editMessageText').filter((c) => here(c) && Number(c.payload.message_id) === id),
    /** The text of message `id` now (after edits). */
    current: (id: number) => h.api.messageText(user.chatId, id) ?? '',
  };
}

export function buttonsIn(call: BotApiCall | undefined): string[] {
  const markup = call?.payload.reply_markup as { inline_keyboard?: Array<Array<{ callback_data: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
}

/** The PNG a sendPhoto call carried (grammY sends `photo=attach://<part>` and the file as that part). */
export function photoBytes(call: BotApiCall): Buffer {
  return (call.payload[fieldText(call.payload.photo).replace('attach://', '')] as { data: Buffer }).data;
}

export const lastAnswer = (h: BotHarness) => fieldText(h.api.callsTo('answerCallbackQuery').at(-1)?.payload.text);
