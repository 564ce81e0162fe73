/** Opens the ORM and brings the schema up to date (migrations at boot). */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { ormConfig } from './orm-config.js';

export type Orm = MikroORM;

export async function initOrm(clientUrl: string, overrides: Partial<Options> = {}): Promise<Orm> {
  const orm = await MikroORM.init(ormConfig({ clientUrl, ...overrides }));
  await orm.getMigrator().up();
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
