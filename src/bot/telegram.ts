/**
 * The Telegram front door, assembled: the bot (commands, conversations), the one outbound queue
 * every bot message goes through, the alert router that turns hub events into queued messages,
 * and the live log tails. The composition root calls `createTelegram` when a bot token is set and
 * hands it the hub, whose services (alert preferences, outbox, bot state) it uses as given; in
 * webhook mode the HTTP layer mounts the route around `webhook`.
 *
 * With several hub replicas on one database, every replica routes its own hub events to the
 * outbox (the alert originates where the agent's push landed) and handles webhook updates; the
 * leader alone polls Telegram (or sets the webhook) and sends the outbox: those two are leader
 * tasks (src/hub/cluster), woken by NOTIFY when another replica writes a message.
 */
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { ResolvedConfig } from '../config.js';
import { OUTBOX_CHANNEL } from '../hub/cluster/channels.js';
import type { Hub } from '../hub/hub.js';
import type { Logger, SecretRegistry } from '../logger.js';
import type { OpsReadings } from '../hub/ops/readings.js';
import { alertButtons } from './alert-buttons.js';
import { formatAlert, formatOperatorAlert } from './alert-format.js';
import { createBot, type ArticBot } from './bot.js';
import { createAdminFeature } from './features/admin.js';
import { createAlertsFeature } from './features/alerts.js';
import { createBroadcastFeature } from './features/broadcast.js';
import { createChartsFeature } from './features/charts.js';
import { createTailFeature } from './features/tail.js';
import { createOutboundQueue, type OutboundQueue } from './outbound-queue.js';
import { createTailManager } from './tail/tail-manager.js';
import {
  createOperatorAlerts,
  type OperatorAlerts,
  type OperatorAlertsDeps,
  type OperatorAlertSink,
} from '../hub/alerts/operator-alerts.js';

/** What the webhook route needs from the bot (webhook mode only). */
export interface TelegramWebhookHandler {
  /** The value given to setWebhook as `secret_token`. */
  secretToken: string;
  /** Takes one update (ArticBot.enqueue); never blocks. */
  enqueue(update: Update): void;
}

export interface Telegram {
  bot: ArticBot;
  mode: ArticBot['mode'];
  /** For the HTTP layer's webhook route (webhook mode only). */
  webhook?: TelegramWebhookHandler;
  /** The outbound queue's counts (sends, 429s, depth), for the operator's readings and metrics. */
  outbound: Pick<OutboundQueue, 'stats'>;
  /** Routes alerts; on the leader also sends queued messages, then polls or sets the webhook. */
  start(): Promise<void>;
  /** Stops updates, alerts and tails; unsent messages stay queued in PostgreSQL. */
  stop(): Promise<void>;
}

export interface TelegramDeps {
  config: ResolvedConfig;
  hub: Hub;
  logger: Logger;
  secrets?: SecretRegistry;
  /** The operator's readings; with them admins get /admin. */
  readings?: OpsReadings;
}

/** The leader reads messages other replicas wrote this often, besides when a NOTIFY wakes it (ms). */
const OUTBOX_POLL_MS = 5000;

export function createTelegram({ config, hub, logger, secrets, readings }: TelegramDeps): Telegram {
  const log = logger.child({ part: 'telegram' });
  // The queue needs the bot's API and the bot's features need the queue: resolve it lazily. The
  // queue and the tail pace themselves and honour 429, so they use the API without the retry.
  const direct: Pick<Api, 'sendMessage' | 'editMessageText'> = {
    sendMessage: (...args) => bot.directApi.sendMessage(...args),
    editMessageText: (...args) => bot.directApi.editMessageText(...args),
  };
  const queue = createOutboundQueue({
    store: hub.alerts.outbox,
    api: direct,
    pollIntervalMs: OUTBOX_POLL_MS,
    logger: log.child({ part: 'outbound' }),
  });
  const tails = createTailManager({ logs: hub.logs, pacer: queue, logger: log.child({ part: 'tail' }) });
  const bot = createBot({
    config,
    hub,
    vault: hub.vault,
    store: hub.botState,
    logger: log,
    secrets,
    extraFeatures: [
      createAlertsFeature({ preferences: hub.alerts.preferences }),
      createTailFeature({ agents: hub.agents, logs: hub.logs, tails, pacer: queue, api: direct }),
      createChartsFeature({ charts: hub.charts, users: hub.users }),
      ...(readings ? [createAdminFeature({ users: hub.users, readings })] : []),
      createBroadcastFeature({ users: hub.users, queue }),
    ],
  });
  const router = hub.alerts.createRouter({
    format: formatAlert,
    buttons: alertButtons,
    sink: queue,
    logger: log.child({ part: 'alerts' }),
  });
  const operatorAlerts = operatorAlertsFor(config, hub, queue, { logger: log.child({ part: 'operator-alerts' }) });

  type Removal = () => Promise<void>;
  let leaderTasks: { sender: Removal; operator: Removal; updates: Removal; offNotify: () => void } | undefined;

  return {
    bot,
    mode: bot.mode,
    outbound: queue,
    webhook: bot.mode === 'webhook' ? { secretToken: bot.webhookSecret, enqueue: bot.enqueue } : undefined,
    async start() {
      await bot.init();
      router.start();
      leaderTasks = {
        offNotify: hub.leadership.onNotify(OUTBOX_CHANNEL, () => void queue.refresh()),
        sender: hub.leadership.add({ name: 'outbound-sender', start: () => queue.start(), stop: () => queue.stop() }),
        // One replica checks the server for the admins, or each would alert them.
        operator: hub.leadership.add({ name: 'operator-alerts', start: () => operatorAlerts.start(), stop: () => operatorAlerts.stop() }),
        updates: hub.leadership.add({ name: 'telegram-updates', start: () => bot.start(), stop: () => bot.stop() }),
      };
      await hub.leadership.settled();
    },
    async stop() {
      const tasks = leaderTasks;
      leaderTasks = undefined;
      tasks?.offNotify();
      await tasks?.updates();
      await router.stop();
      await tasks?.operator();
      await tails.stopAll();
      await tasks?.sender();
    },
  };
}

/**
 * The admins' alerts about the server: the signer's balance (with chain logging on), the Twelve
 * Data credits (when Twelve Data is the market source), the port pool and repeated crashes.
 */
export function operatorAlertsFor(
  config: Pick<ResolvedConfig, 'operatorAlerts'>,
  hub: Pick<Hub, 'chain' | 'market' | 'ports' | 'events' | 'users'>,
  sink: OperatorAlertSink,
  options: Pick<OperatorAlertsDeps, 'logger' | 'now'> = {},
): OperatorAlerts {
  const t = config.operatorAlerts;
  const { limiter } = hub.market;
  return createOperatorAlerts({
    readings: {
      ...(hub.chain.enabled ? { signerBalanceWei: () => hub.chain.signerBalanceWei() } : {}),
      ...(hub.market.provider === 'twelvedata' && limiter ? { creditsToday: () => limiter.creditsToday() } : {}),
      portUsage: () => hub.ports.usage(),
    },
    thresholds: {
      signerMinBalance: t.signerMinBalance,
      creditsPct: t.creditsPct,
      portsPct: t.portsPct,
      crashCount: t.crashCount,
      crashWindowMs: t.crashWindowMinutes * 60_000,
      rearmMs: t.rearmHours * 3_600_000,
    },
    events: hub.events,
    admins: () => hub.users.admins(),
    format: formatOperatorAlert,
    sink,
    intervalMs: t.checkIntervalSeconds * 1000,
    ...options,
  });
}
