/**
 * Per-trader alert modes (on / silent / off) per alert type, stored in alert_preferences and
 * cached in memory: the router asks for every event, so a trade burst must not become a burst of
 * queries. Absent rows mean the type's default mode.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AlertPreferenceSchema, type AlertMode } from '../../db/entities/alert.js';
import type { Orm } from '../../db/orm.js';
import { ALERT_TYPES, ALERT_TYPE_INFO, isAlertType, type AlertType } from './alert-types.js';
import { AlertLockedError, UnknownAlertTypeError } from './errors.js';

export type AlertModes = Record<AlertType, AlertMode>;

export interface AlertPreferences {
  /** Every alert type's mode for the user (defaults filled in). */
  all(userId: string): Promise<AlertModes>;
  mode(userId: string, type: AlertType): Promise<AlertMode>;
  /** Throws AlertLockedError for `off` on a type that can't be turned off, UnknownAlertTypeError for a bad type. */
  set(userId: string, type: string, mode: AlertMode): Promise<AlertModes>;
}

export function defaultAlertModes(): AlertModes {
  return Object.fromEntries(ALERT_TYPES.map((t) => [t, ALERT_TYPE_INFO[t].defaultMode])) as AlertModes;
}

export function createAlertPreferences({ orm }: { orm: Orm }): AlertPreferences {
  const cache = new Map<string, Promise<AlertModes>>();
  const fork = (): EntityManager => orm.em.fork() as EntityManager;

  async function load(userId: string): Promise<AlertModes> {
    const modes = defaultAlertModes();
    const rows = await fork().find(AlertPreferenceSchema, { user: userId });
    for (const row of rows) {
      if (!isAlertType(row.eventType)) continue;
      // A stored `off` on a locked type (e.g. from an older version) still delivers, silently.
      modes[row.eventType] = row.mode === 'off' && !ALERT_TYPE_INFO[row.eventType].canTurnOff ? 'silent' : row.mode;
    }
    return modes;
  }

  function all(userId: string): Promise<AlertModes> {
    let hit = cache.get(userId);
    if (!hit) {
      hit = load(userId);
      cache.set(userId, hit);
      hit.catch(() => cache.delete(userId));
    }
    return hit.then((m) => ({ ...m }));
  }

  return {
    all,
    async mode(userId, type) {
      return (await all(userId))[type];
    },
    async set(userId, type, mode) {
      if (!isAlertType(type)) throw new UnknownAlertTypeError(type);
      if (mode === 'off' && !ALERT_TYPE_INFO[type].canTurnOff) throw new AlertLockedError(type);
      await fork().upsert(AlertPreferenceSchema, { user: userId, eventType: type, mode });
      cache.delete(userId);
      return all(userId);
    },
  };
}
