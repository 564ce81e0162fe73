/**
 * Key/value state of the Telegram adapter (grammY sessions, conversation replay state) in the
 * `bot_sessions` table, so a restart does not lose a half-finished flow. The bot uses this
 * service and never writes SQL itself. Values are JSON; keys are at most 128 characters.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { BotSessionSchema } from '../db/entities/index.js';
import type { Orm } from '../db/orm.js';

export interface BotStateEntry<T> {
  key: string;
  value: T;
}

export interface BotStateStore {
  read<T>(key: string): Promise<T | undefined>;
  write(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every entry whose key starts with `prefix` (sweeps of idle flows; a few rows per chat). */
  list<T>(prefix: string): Promise<Array<BotStateEntry<T>>>;
}

export function createBotStateStore(orm: Orm): BotStateStore {
  const fork = () => orm.em.fork() as EntityManager;
  return {
    async read<T>(key: string) {
      const row = await fork().findOne(BotSessionSchema, { key });
      return row ? (row.value as T) : undefined;
    },
    async write(key, value) {
      await fork().upsert(BotSessionSchema, { key, value, updatedAt: new Date() });
    },
    async delete(key) {
      await fork().nativeDelete(BotSessionSchema, { key });
    },
    async list<T>(prefix: string) {
      const rows = await fork().find(BotSessionSchema, { key: { $like: `${prefix.replace(/[%_\\]/g, '\\$&')}%` } });
      return rows.map((r) => ({ key: r.key, value: r.value as T }));
    },
  };
}
