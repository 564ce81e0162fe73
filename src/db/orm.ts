/** Opens the ORM and brings the schema up to date (migrations at boot). */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormConfig } from './orm-config.js';

export type Orm = MikroORM;

/** The advisory lock key under which migrations run ("Migrat" in ASCII). */
const MIGRATION_LOCK_KEY = '85887159988596';

/**
 * Runs `work` holding a session advisory lock on its own connection: hub replicas booting
 * together on one database migrate one after the other (the second finds nothing to do).
 */
async function underMigrationLock(clientUrl: string, work: () => Promise<unknown>): Promise<void> {
  const lock = new pg.Client({ connectionString: clientUrl });
  lock.on('error', () => undefined); // a lost lock session surfaces as the query's rejection
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await work();
  } finally {
    await lock.end().catch(() => undefined);
  }
}

export async function initOrm(clientUrl: string, overrides: Partial<Options> = {}): Promise<Orm> {
  const orm = await MikroORM.init(ormConfig({ clientUrl, ...overrides }));
  try {
    await underMigrationLock(clientUrl, () => orm.getMigrator().up());
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function pingDatabase(orm: Orm, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
    });
    await Promise.race([orm.em.getConnection().execute('select 1'), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
