/**
 * Turns hub events into alerts for their owners: picks the alert type, asks the owner's
 * preference (off → dropped, silent → no notification sound), finds the owner's chat and hands
 * a formatted message to the sink (the bot's outbound queue). The hub knows nothing of Telegram:
 * formatting and delivery are injected.
 *
 * Never slows trading: listeners return at once, the lookups run detached, and a failure is
 * logged, never thrown back into the emitter.
 */
import type { Logger } from '../../logger.js';
import type { HubEventMap, HubEvents } from '../events.js';
import type { UserService } from '../users.js';
import type { AlertPreferences } from './alert-preferences.js';
import { isLiquidation, tpSlKind, type AlertType } from './alert-types.js';

/** The hub events that can become alerts. */
export const ALERT_EVENTS = [
  'trade.opened',
  'trade.closed',
  'trade.onchain',
  'decision.made',
  'drawdown.stop',
  'agent.crashed',
  'agent.failed',
  'agent.restarted',
  'agent.stopped',
  'order.error',
  'llm.budget_spent',
  'llm.agent_budget_spent',
] as const satisfies ReadonlyArray<keyof HubEventMap>;

export type AlertEventName = (typeof ALERT_EVENTS)[number];

/** One hub event, tagged with its name. */
export type AlertEvent = { [K in AlertEventName]: { name: K; data: HubEventMap[K] } }[AlertEventName];

export function alertTypeOf(event: AlertEvent): AlertType {
  switch (event.name) {
    case 'trade.opened':
      return 'trade.opened';
    case 'trade.closed':
      if (isLiquidation(event.data.reason)) return 'liquidated';
      return tpSlKind(event.data.reason) ? 'trade.tp_sl' : 'trade.closed';
    case 'trade.onchain':
      return 'trade.onchain';
    case 'decision.made':
      return 'decision';
    case 'drawdown.stop':
      return 'drawdown';
    case 'agent.crashed':
    case 'agent.failed':
    case 'agent.stopped': // only self-stops are alerted (`isNews`): a failure the owner must learn of
      return 'agent.crash';
    case 'agent.restarted':
      return 'agent.restart';
    case 'order.error':
      return 'order.error';
    case 'llm.budget_spent':
      return 'llm.budget';
    case 'llm.agent_budget_spent':
      return 'llm.agent_budget';
  }
}

/** A stop the owner asked for is not news to them, and a drawdown stop has its own alert. */
function isNews(event: AlertEvent): boolean {
  return event.name !== 'agent.stopped' || event.data.cause === 'self';
}

/** An inline button under an alert; `data` is the callback data the bot answers (≤ 64 bytes). */
export interface AlertButton {
  text: string;
  data: string;
  /** What the button is about (an agent's name): added to `text` when a merged message holds several alike. */
  scope?: string;
}

export interface AlertMessage {
  chatId: number;
  eventType: AlertType;
  /** Telegram HTML. */
  text: string;
  silent: boolean;
  /** Present only when the alert has buttons. */
  buttons?: AlertButton[];
}

/** Where alerts go; `enqueue` must return quickly and never wait on Telegram. */
export interface AlertSink {
  enqueue(message: AlertMessage): unknown;
}

export interface AlertRouterDeps {
  events: HubEvents;
  users: Pick<UserService, 'byId'>;
  preferences: Pick<AlertPreferences, 'mode'>;
  /** Renders an event as Telegram HTML (src/bot/alert-format.ts `formatAlert`). */
  format: (event: AlertEvent) => string;
  /** The alert's inline buttons (src/bot/alert-buttons.ts); none when absent. */
  buttons?: (event: AlertEvent) => AlertButton[];
  sink: AlertSink;
  logger?: Logger;
  /** How long a user → chat lookup is cached (ms, default 5 min). */
  chatCacheMs?: number;
  now?: () => number;
}

export interface AlertRouter {
  /** Routes one event (the subscriptions call this; tests may too). Resolves when it is queued or dropped. */
  route(event: AlertEvent): Promise<'queued' | 'off' | 'no-chat' | 'not-news'>;
  /** Subscribes to the hub events; idempotent. */
  start(): void;
  /** Unsubscribes and waits for routes in progress. */
  stop(): Promise<void>;
}

export function createAlertRouter(deps: AlertRouterDeps): AlertRouter {
  const now = deps.now ?? Date.now;
  const chatCacheMs = deps.chatCacheMs ?? 5 * 60_000;
  const chats = new Map<string, { chatId: number | null; at: number }>();
  const inProgress = new Set<Promise<unknown>>();
  let unsubscribe: Array<() => void> = [];

  async function chatOf(userId: string): Promise<number | null> {
    const hit = chats.get(userId);
    if (hit && now() - hit.at < chatCacheMs) return hit.chatId;
    const user = await deps.users.byId(userId);
    const chatId = user && user.status === 'active' ? user.telegramId : null;
    chats.set(userId, { chatId, at: now() });
    return chatId;
  }

  async function route(event: AlertEvent): Promise<'queued' | 'off' | 'no-chat' | 'not-news'> {
    if (!isNews(event)) return 'not-news';
    const type = alertTypeOf(event);
    const ownerId = event.data.ownerId;
    const [mode, chatId] = await Promise.all([deps.preferences.mode(ownerId, type), chatOf(ownerId)]);
    if (mode === 'off') return 'off';
    if (chatId === null) return 'no-chat';
    const buttons = deps.buttons?.(event) ?? [];
    deps.sink.enqueue({
      chatId,
      eventType: type,
      text: deps.format(event),
      silent: mode === 'silent',
      ...(buttons.length ? { buttons } : {}),
    });
    return 'queued';
  }

  function detached(event: AlertEvent): void {
    const p = route(event).catch((err: unknown) =>
      deps.logger?.error({ err, event: event.name, agentId: event.data.agentId }, 'alert routing failed'),
    );
    inProgress.add(p);
    void p.finally(() => inProgress.delete(p));
  }

  return {
    route,
    start() {
      if (unsubscribe.length) return;
      // This replica's events only: the replica where the event happened queues its alert, once.
      unsubscribe = ALERT_EVENTS.map((name) =>
        deps.events.onLocal(name, (data: HubEventMap[typeof name]) => detached({ name, data } as AlertEvent)),
      );
    },
    async stop() {
      for (const off of unsubscribe) off();
      unsubscribe = [];
      await Promise.allSettled([...inProgress]);
    },
  };
}
