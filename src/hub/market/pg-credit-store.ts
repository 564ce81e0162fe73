/**
 * PostgreSQL `CreditStore`: upstream credits spent per provider per UTC day (table `api_credits`,
 * PK provider + day), so a hub restart keeps counting against the same daily budget and hub
 * replicas on one database spend ONE budget together.
 *
 * - `add` is one atomic `insert … on conflict do update set used = used + n`: concurrent adds
 *   never lose an increment.
 * - `reserve` is the same upsert with a guard (`where used + n <= limit`): the grant and the
 *   count are one statement, so two replicas racing for the last credits never both get them.
 * - `reserveMinute` counts calls per wall-clock minute the same way, in rows of the same table
 *   keyed `provider@HH:MM` (UTC) on their day; the rows of earlier days are deleted once a day.
 */
import type { Orm } from '../../db/orm.js';
import type { CreditGrant, CreditStore } from './credit-store.js';
import { utcDay } from './credit-store.js';

/**
 * @param provider row key, e.g. `'twelvedata'` (each metered provider has its own counter).
 */
export function createPgCreditStore(orm: Orm, provider = 'twelvedata'): CreditStore {
  const connection = () => orm.em.getConnection();
  let prunedBefore = '';

  async function load(key: string, day: string): Promise<number> {
    const rows: Array<{ used: number }> = await connection().execute('select used from api_credits where provider = ? and day = ?', [
      key,
      day,
    ]);
    return rows[0]?.used ?? 0;
  }

  /** Adds `n` to the (key, day) counter if it stays within `limit`; one statement. */
  async function reserve(key: string, day: string, n: number, limit: number): Promise<CreditGrant> {
    if (!Number.isFinite(limit)) {
      await add(key, day, n);
      return { granted: true, used: await load(key, day) };
    }
    if (n > limit) return { granted: false, used: await load(key, day) };
    const rows: Array<{ used: number }> = await connection().execute(
      `insert into api_credits (provider, day, used) values (?, ?, ?)
       on conflict (provider, day) do update set used = api_credits.used + excluded.used
         where api_credits.used + excluded.used <= ?
       returning used`,
      [key, day, Math.round(n), limit],
    );
    if (rows[0]) return { granted: true, used: rows[0].used };
    return { granted: false, used: await load(key, day) };
  }

  async function add(key: string, day: string, n: number): Promise<void> {
    if (!Number.isFinite(n) || n === 0) return;
    await connection().execute(
      `insert into api_credits (provider, day, used) values (?, ?, ?)
       on conflict (provider, day) do update set used = api_credits.used + excluded.used`,
      [key, day, Math.round(n)],
    );
  }

  /** Deletes the minute rows of days before `day`, at most once per day. */
  async function pruneMinutes(day: string): Promise<void> {
    if (prunedBefore === day) return;
    prunedBefore = day;
    await connection().execute('delete from api_credits where provider like ? and day < ?', [`${provider}@%`, day]);
  }

  return {
    load: (day) => load(provider, day),
    add: (day, n) => add(provider, day, n),
    reserve: (day, n, limit) => reserve(provider, day, n, limit),
    async reserveMinute(minuteMs, limit) {
      const iso = new Date(minuteMs).toISOString();
      const day = utcDay(minuteMs);
      await pruneMinutes(day);
      return (await reserve(`${provider}@${iso.slice(11, 16)}`, day, 1, limit)).granted;
    },
  };
}
