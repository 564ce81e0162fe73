/**
 * The Telegram front door, assembled: the bot (commands, conversations), the one outbound queue
 * every bot message goes through, the alert router that turns hub events into queued messages,
 * and the live log tails. The composition root calls `createTelegram` when a bot token is set.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Api } from 'grammy';
import type { ResolvedConfig } from '../config.js';
import type { Orm } from '../db/orm.js';
import { createAlertPreferences } from '../hub/alerts/alert-preferences.js';
import { createAlertRouter } from '../hub/alerts/alert-router.js';
import { createOutboxStore } from '../hub/alerts/outbox-store.js';
import { createBotStateStore } from '../hub/bot-state-store.js';
import type { Hub } from '../hub/hub.js';
import type { Logger, SecretRegistry } from '../logger.js';
import { telegramWebhookRoutes } from '../http/routes/telegram-webhook.js';
import { formatAlert } from './alert-format.js';
import { createBot, type ArticBot } from './bot.js';
import { createAlertsFeature } from './features/alerts.js';
import { createTailFeature, createTailManager } from './features/tail.js';
import { createOutboundQueue } from './outbound-queue.js';

export interface Telegram {
  bot: ArticBot;
  mode: ArticBot['mode'];
  /** Route plugin to register on the HTTP server (webhook mode only). */
  webhook?: { plugin: FastifyPluginAsync<any>; options: Record<string, unknown> };
  /** Sends queued messages, routes alerts, then starts polling or sets the webhook. */
  start(): Promise<void>;
  /** Stops updates, alerts and tails; unsent messages stay queued in PostgreSQL. */
  stop(): Promise<void>;
}

export interface TelegramDeps {
  config: ResolvedConfig;
  hub: Hub;
  orm: Orm;
  logger: Logger;
  secrets?: SecretRegistry;
}

export function createTelegram({ config, hub, orm, logger, secrets }: TelegramDeps): Telegram {
  const log = logger.child({ part: 'telegram' });
  let bot: ArticBot | undefined;
  // The queue needs the bot's API and the bot's features need the queue: resolve it lazily. The
  // queue and the tail pace themselves and honour 429, so they use the API without the retry.
  const direct: Pick<Api, 'sendMessage' | 'editMessageText'> = {
    sendMessage: (...args) => bot!.directApi.sendMessage(...args),
    editMessageText: (...args) => bot!.directApi.editMessageText(...args),
  };
  const queue = createOutboundQueue({ store: createOutboxStore({ orm }), api: direct, logger: log.child({ part: 'outbound' }) });
  const preferences = createAlertPreferences({ orm });
  const tails = createTailManager({ logs: hub.logs, pacer: queue, logger: log.child({ part: 'tail' }) });
  bot = createBot({
    config,
    hub,
    vault: hub.vault,
    store: createBotStateStore(orm),
    logger: log,
    secrets,
    extraFeatures: [createAlertsFeature({ preferences }), createTailFeature({ agents: hub.agents, logs: hub.logs, tails, pacer: queue, api: direct })],
  });
  const router = createAlertRouter({ events: hub.events, users: hub.users, preferences, format: formatAlert, sink: queue, logger: log.child({ part: 'alerts' }) });
  const artic = bot;

  return {
    bot: artic,
    mode: artic.mode,
    webhook: artic.mode === 'webhook' ? { plugin: telegramWebhookRoutes, options: { secretToken: artic.webhookSecret, enqueue: artic.enqueue } } : undefined,
    async start() {
      await queue.start();
      router.start();
      await artic.start();
    },
    async stop() {
      await artic.stop();
      await router.stop();
      await tails.stopAll();
      await queue.stop();
    },
  };
}
