/**
 * The hub's alert services in one bundle for the composition root: per-trader alert modes, the
 * persisted outbox of bot messages, and routers that turn hub events into messages for a sink.
 * The chat adapter (src/bot) receives this bundle and never builds these parts from the ORM.
 */
import type { Orm } from '../../db/orm.js';
import type { HubEvents } from '../events.js';
import type { UserService } from '../users.js';
import { createAlertPreferences, type AlertPreferences } from './alert-preferences.js';
import { createAlertRouter, type AlertRouter, type AlertRouterDeps } from './alert-router.js';
import { createOutboxStore, type OutboxStore } from './outbox-store.js';

/** What the chat adapter brings to a router: how an alert reads and where it goes. */
export type AlertDelivery = Pick<AlertRouterDeps, 'format' | 'buttons' | 'sink' | 'logger'>;

export interface HubAlerts {
  preferences: AlertPreferences;
  outbox: OutboxStore;
  /** A router of hub events to `delivery.sink`; the caller starts and stops it. */
  createRouter(delivery: AlertDelivery): AlertRouter;
}

export interface HubAlertsDeps {
  orm: Orm;
  events: HubEvents;
  users: Pick<UserService, 'byId'>;
}

export function createHubAlerts({ orm, events, users }: HubAlertsDeps): HubAlerts {
  const preferences = createAlertPreferences({ orm });
  return {
    preferences,
    outbox: createOutboxStore({ orm }),
    createRouter: (delivery) => createAlertRouter({ events, users, preferences, ...delivery }),
  };
}
