/**
 * Key rotation (`npm run secrets:rotate`): re-encrypts every stored secret that is not yet under
 * the current ENCRYPTION_KEY, reading it with whichever configured key opens it
 * (ENCRYPTION_KEY_PREVIOUS). Rows are read in pages by id and each is replaced only if it did not
 * change meanwhile, so it is safe while the hub runs (with the same keys configured). A row no
 * key opens is left as it is and reported: its owner must set it again.
 */
import type { Orm } from '../../db/orm.js';
import type { VaultKeyring } from './vault-keys.js';

export interface RotationReport {
  /** Rows now under the current key that were not before. */
  rotated: number;
  /** Rows no configured key opens (wrong key, tampered): listed without any value. */
  unreadable: Array<{ id: string; ownerId: string; name: string; scope: string }>;
  /** Rows that changed while being rotated (set again meanwhile): left to their new value. */
  skipped: number;
}

type Row = {
  id: string;
  owner_id: string;
  scope: string;
  name: string;
  ciphertext: Buffer;
  nonce: Buffer;
  tag: Buffer;
  key_version: number;
};

export async function rotateSecrets({
  orm,
  keyring,
  pageSize = 200,
}: {
  orm: Orm;
  keyring: VaultKeyring;
  pageSize?: number;
}): Promise<RotationReport> {
  const conn = orm.em.getConnection();
  const report: RotationReport = { rotated: 0, unreadable: [], skipped: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: Row[] = await conn.execute(
      `select id, owner_id, scope, name, ciphertext, nonce, tag, key_version from secrets
       where key_version <> ? and id > ? order by id limit ?`,
      [keyring.currentId, after, pageSize],
    );
    if (rows.length === 0) return report;
    after = rows[rows.length - 1].id;
    for (const row of rows) {
      const value = keyring.open({ ...row, keyVersion: row.key_version }, row.owner_id);
      if (value === undefined) {
        report.unreadable.push({ id: row.id, ownerId: row.owner_id, name: row.name, scope: row.scope });
        continue;
      }
      const sealed = keyring.seal(row.owner_id, row.scope, row.name, value);
      const updated = await conn.execute(
        `update secrets set ciphertext = ?, nonce = ?, tag = ?, key_version = ?, updated_at = now()
         where id = ? and key_version = ? and ciphertext = ? returning id`,
        [sealed.ciphertext, sealed.nonce, sealed.tag, sealed.keyVersion, row.id, row.key_version, row.ciphertext],
      );
      if (updated.length) report.rotated += 1;
      else report.skipped += 1;
    }
  }
}
