/**
 * PostgreSQL `CreditStore`: upstream credits spent per provider per UTC day (table `api_credits`,
 * PK provider + day), so a hub restart keeps counting against the same daily budget.
 * `add` is one atomic `insert … on conflict do update set used = used + n`: concurrent adds never
 * lose an increment.
 */
import type { Orm } from '../../db/orm.js';
import type { CreditStore } from './credit-store.js';

/**
 * @param provider row key, e.g. `'twelvedata'` (each metered provider has its own counter).
 */
export function createPgCreditStore(orm: Orm, provider = 'twelvedata'): CreditStore {
  const connection = () => orm.em.getConnection();
  return {
    async load(day: string): Promise<number> {
      const rows: Array<{ used: number }> = await connection().execute('select used from api_credits where provider = ? and day = ?', [
        provider,
        day,
      ]);
      return rows[0]?.used ?? 0;
    },

    async add(day: string, n: number): Promise<void> {
      if (!Number.isFinite(n) || n === 0) return;
      await connection().execute(
        `insert into api_credits (provider, day, used) values (?, ?, ?)
         on conflict (provider, day) do update set used = api_credits.used + excluded.used`,
        [provider, day, Math.round(n)],
      );
    },
  };
}
