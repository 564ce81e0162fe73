/**
 * The door to `dashboard_credentials` (src/db/entities/dashboard-credential.ts): single-use
 * dashboard credentials kept in PostgreSQL so that every hub replica on the database sees the same
 * ones. An initData used on replica A is refused on B; a login code issued on A works on B once.
 * Each check-and-use is one statement, so two replicas racing on one credential cannot both win.
 * Times are epoch ms from the caller's clock (tests step it).
 */
import type { Orm } from '../../db/orm.js';

export interface DashboardCredentialStore {
  /** Marks an initData hash used until `expiresAtMs`; false when it was used already (and has not expired). */
  useInitData(keyHash: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
  /** Stores an open login code (by hash) for `userId` until `expiresAtMs`. */
  openLoginCode(keyHash: string, userId: string, expiresAtMs: number): Promise<void>;
  /** Takes (deletes) a login code; its user when it was open and not expired, else undefined. */
  takeLoginCode(keyHash: string, nowMs: number): Promise<string | undefined>;
  /** Deletes expired rows; how many. */
  pruneExpired(nowMs: number): Promise<number>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createDashboardCredentialStore(orm: Orm): DashboardCredentialStore {
  const execute = <T>(sql: string, params: unknown[]) => orm.em.getConnection().execute<T[]>(sql, params);
  return {
    async useInitData(keyHash, expiresAtMs, nowMs) {
      // A row that expired may be taken again (its initData can no longer verify anyway).
      const rows = await execute<{ key_hash: string }>(
        `insert into dashboard_credentials (key_hash, kind, user_id, expires_at) values (?, 'init_data', null, ?)
           on conflict (key_hash) do update set expires_at = excluded.expires_at
           where dashboard_credentials.kind = 'init_data' and dashboard_credentials.expires_at <= ?
           returning key_hash`,
        [keyHash, iso(expiresAtMs), iso(nowMs)],
      );
      return rows.length === 1;
    },
    async openLoginCode(keyHash, userId, expiresAtMs) {
      await execute(`insert into dashboard_credentials (key_hash, kind, user_id, expires_at) values (?, 'login_code', ?, ?)`, [
        keyHash,
        userId,
        iso(expiresAtMs),
      ]);
    },
    async takeLoginCode(keyHash, nowMs) {
      const rows = await execute<{ user_id: string; expires_at: Date | string }>(
        `delete from dashboard_credentials where key_hash = ? and kind = 'login_code' returning user_id, expires_at`,
        [keyHash],
      );
      const row = rows[0];
      return row && new Date(row.expires_at).getTime() > nowMs ? row.user_id : undefined;
    },
    async pruneExpired(nowMs) {
      const rows = await execute<{ key_hash: string }>(`delete from dashboard_credentials where expires_at <= ? returning key_hash`, [
        iso(nowMs),
      ]);
      return rows.length;
    },
  };
}
