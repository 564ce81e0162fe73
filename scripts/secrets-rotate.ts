/**
 * `npm run secrets:rotate`: re-encrypts every stored secret under the current ENCRYPTION_KEY.
 *
 *   1. Set ENCRYPTION_KEY=<new key> and ENCRYPTION_KEY_PREVIOUS=<old key>, restart the hub
 *      (it reads rows under either key and writes new ones under the new key).
 *   2. Run this (the hub may keep running). It prints how many rows it re-encrypted.
 *   3. Unset ENCRYPTION_KEY_PREVIOUS and restart.
 *
 * Exits 1 when some row could not be read with any configured key (those rows are listed by id,
 * owner and name, never by value, and left unchanged). Uses DATABASE_URL or the embedded server.
 */
import { parseConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { initOrm } from '../src/db/orm.js';
import { resolveDevSecrets } from '../src/dev-secrets.js';
import { rotateSecrets } from '../src/hub/secrets/rotation.js';
import { createKeyring } from '../src/hub/secrets/vault-keys.js';

const config = resolveDevSecrets(parseConfig(process.env));
const pg = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort });
const orm = await initOrm(config.databaseUrl ?? pg!.url);
let exitCode = 0;
try {
  const keyring = createKeyring(config.encryptionKey, config.encryptionKeyPrevious);
  const report = await rotateSecrets({ orm, keyring });
  process.stdout.write(`secrets:rotate: re-encrypted ${report.rotated} secret(s) under the current key (id ${keyring.currentId})\n`);
  if (report.skipped)
    process.stdout.write(`secrets:rotate: ${report.skipped} secret(s) were set again while rotating; run once more to check them\n`);
  if (report.unreadable.length) {
    exitCode = 1;
    process.stderr.write(
      `secrets:rotate: ${report.unreadable.length} secret(s) open with no configured key (is ENCRYPTION_KEY_PREVIOUS set?):\n`,
    );
    for (const r of report.unreadable) process.stderr.write(`  id=${r.id} owner=${r.ownerId} name=${r.name} scope=${r.scope}\n`);
  }
} finally {
  await orm.close(true);
  await pg?.stop();
}
process.exit(exitCode);
