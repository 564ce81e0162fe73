import { execFileSync, execSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { reachableProject, type ReachableProject } from '../support/reachable-project.js';
import { rejectionOf } from '../support/rejection.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-embedded-'));
const port = 56_000 + Math.floor(Math.random() * 2_000);

const cleanups: Array<() => void> = [() => rmSync(dir, { recursive: true, force: true })];
afterAll(() => cleanups.forEach((c) => c()));

/** Root-only tests run code as another OS user: from the checkout, or a copy that user can read. */
let reachable: ReachableProject | undefined;
function forOtherUsers(): ReachableProject {
  if (!reachable) {
    reachable = reachableProject();
    cleanups.push(() => reachable?.remove());
  }
  return reachable;
}

/** PIDs of postgres servers started from our data directory. */
function serversFor(dataDir: string): string[] {
  const out = execSync('ps -eo pid,args', { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('postgres') && l.includes(dataDir) && !l.includes('ps -eo'));
}

const storedSecrets = (dataDir: string) =>
  JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8')) as Record<string, string>;
const withPassword = (url: string, password: string) => url.replace(/:[^:@/]+@/, `:${password}@`);

/** A PostgreSQL build folder whose programs are made by `make` (a file or a directory). */
function fakeNativeDir(make: (file: string) => void): string {
  const native = mkdtempSync(path.join(os.tmpdir(), 'artic-native-'));
  chmodSync(native, 0o755);
  for (const sub of ['bin', 'lib', 'share']) mkdirSync(path.join(native, sub), { mode: 0o755 });
  for (const program of ['initdb', 'postgres']) make(path.join(native, 'bin', program));
  cleanups.push(() => rmSync(native, { recursive: true, force: true }));
  return native;
}

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('boots, keeps a row across a restart, and leaves no server behind', async () => {
    const first = await startEmbeddedPostgres({ dataDir: dir, port });
    expect(first.url).toContain(`127.0.0.1:${port}/artic`);
    const [{ server_version }] = await query(first.url, 'show server_version');
    expect(server_version).toMatch(/^17\./);
    // A new cluster is UTF-8 with the built-in locale, whatever the OS locales are.
    expect(
      await query(
        first.url,
        `select pg_encoding_to_char(encoding) as enc, datlocprovider as provider from pg_database where datname = 'artic'`,
      ),
    ).toEqual([{ enc: 'UTF8', provider: 'b' }]);
    await query(first.url, 'create table kept (v text)');
    await query(first.url, 'insert into kept values ($1)', ['survives']);
    await first.stop();
    expect(serversFor(dir)).toEqual([]);

    const second = await startEmbeddedPostgres({ dataDir: dir, port });
    expect(await query(second.url, 'select v from kept')).toEqual([{ v: 'survives' }]);
    await second.stop();
    expect(serversFor(dir)).toEqual([]);
  });

  it('uses a password generated for its data directory and kept with the dev secrets (mode 0600)', async () => {
    const server = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      const password = storedSecrets(dir).EMBEDDED_PG_PASSWORD;
      expect(password).toMatch(/^[0-9a-f]{64}$/);
      expect(server.password).toBe(password);
      expect(server.url).toBe(`postgres://postgres:${password}@127.0.0.1:${port}/artic`);
      expect(statSync(path.join(dir, 'dev-secrets.json')).mode & 0o777).toBe(0o600);
      const refused = await rejectionOf(query(withPassword(server.url, 'artic-embedded'), 'select 1'));
      expect((refused as Error & { code?: string }).code).toBe('28P01');
    } finally {
      await server.stop();
    }
  });

  it('keeps a data directory made with the old public password: same data, its password replaced', async () => {
    const legacyDir = mkdtempSync(path.join(os.tmpdir(), 'artic-legacy-'));
    try {
      // The old library runs its programs from node_modules as the `postgres` user when root.
      const project = process.getuid?.() === 0 ? forOtherUsers().root : process.cwd();
      execFileSync(process.execPath, ['--import', 'tsx', 'test/support/legacy-embedded-pg.ts', legacyDir, String(port + 3)], {
        cwd: project,
        timeout: 60_000,
      });
      const first = await startEmbeddedPostgres({ dataDir: legacyDir, port: port + 3 });
      try {
        expect(await query(first.url, 'select v from legacy')).toEqual([{ v: 'made before issue 9' }]);
        expect(first.password).toBe(storedSecrets(legacyDir).EMBEDDED_PG_PASSWORD);
        const refused = await rejectionOf(query(withPassword(first.url, 'artic-embedded'), 'select 1'));
        expect((refused as Error & { code?: string }).code).toBe('28P01');
      } finally {
        await first.stop();
      }
      const second = await startEmbeddedPostgres({ dataDir: legacyDir, port: port + 3 });
      expect(await query(second.url, 'select count(*)::int as n from legacy')).toEqual([{ n: 1 }]);
      await second.stop();

      // Losing the stored password is no upgrade: say which file holds it, start nothing.
      unlinkSync(path.join(legacyDir, 'dev-secrets.json'));
      const error = await rejectionOf(startEmbeddedPostgres({ dataDir: legacyDir, port: port + 3 }));
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect(error.message).toContain(`refused the password kept for it in ${path.join(legacyDir, 'dev-secrets.json')}`);
      expect(serversFor(legacyDir)).toEqual([]);
    } finally {
      rmSync(legacyDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('leaves process exit handling alone (a failing run must keep its exit code)', async () => {
    const events = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM'] as const;
    const before = events.map((e) => process.listenerCount(e));
    const server = await startEmbeddedPostgres({ dataDir: dir, port });
    await server.stop();
    // The library's async-exit-hook would call process.exit(0) on beforeExit.
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
  });

  // Run as root (here, in CI) the server runs as a `postgres` system user; as a normal user it
  // runs as that user. When this suite is root, check the normal-user path too.
  it.runIf(process.getuid?.() === 0)('also runs for a normal (non-root) user', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'artic-nonroot-'));
    chmodSync(home, 0o777);
    const out = execFileSync(
      'runuser',
      [
        '-u',
        'nobody',
        '--',
        'env',
        `HOME=${home}`,
        process.execPath,
        '--import',
        'tsx',
        'test/support/embedded-pg-probe.ts',
        path.join(home, 'data'),
        String(port + 2),
      ],
      {
        cwd: forOtherUsers().root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ uid: 65534, answer: 42 });
    expect(serversFor(home)).toEqual([]);
    rmSync(home, { recursive: true, force: true });
  });

  it.runIf(process.getuid?.() === 0)(
    'tells a normal user whose programs lack their run bits what to do, before spawning anything',
    async () => {
      const home = mkdtempSync(path.join(os.tmpdir(), 'artic-nonroot-'));
      cleanups.push(() => rmSync(home, { recursive: true, force: true }));
      chmodSync(home, 0o777);
      const native = fakeNativeDir((file) => writeFileSync(file, '#!/bin/sh\n', { mode: 0o644 }));
      const out = execFileSync(
        'runuser',
        [
          '-u',
          'nobody',
          '--',
          'env',
          `HOME=${home}`,
          process.execPath,
          '--import',
          'tsx',
          'test/support/embedded-pg-probe.ts',
          path.join(home, 'data'),
          String(port + 4),
          native,
        ],
        {
          cwd: forOtherUsers().root,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
        uid: 65534,
        error: `EmbeddedPostgresError: Cannot start the embedded PostgreSQL: ${native}/bin/initdb cannot be run (this user may not execute it). Fix: run npm install (node scripts/postinstall.mjs restores the run bits), make sure that filesystem is not mounted noexec, or set DATABASE_URL to use your own PostgreSQL.`,
      });
    },
  );

  it('turns a program that cannot be started into a clear error, never an unhandled spawn error', async () => {
    // A directory passes every permission check but cannot be executed: spawn fails with EACCES.
    const native = fakeNativeDir((file) => mkdirSync(file, { mode: 0o755 }));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'artic-noexec-'));
    try {
      const error = await rejectionOf(startEmbeddedPostgres({ dataDir, port: port + 5, nativeDir: native }));
      expect(error).toBeInstanceOf(EmbeddedPostgresError);
      expect(error.message).toMatch(
        new RegExp(
          `^Cannot start the embedded PostgreSQL: ${native}/bin/initdb could not be started: .* may not run it \\(EACCES\\)\\. Fix: `,
        ),
      );
      // No password file left behind: only the secrets, and (as root, where the layout makes the
      // cluster's directory before initdb) an empty `postgres`.
      expect(readdirSync(dataDir).filter((f) => f !== 'postgres')).toEqual(['dev-secrets.json']);
      const cluster = path.join(dataDir, 'postgres');
      expect(existsSync(cluster) ? readdirSync(cluster) : []).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('fails with a clear message when its port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port + 1, '127.0.0.1', r));
    try {
      await expect(startEmbeddedPostgres({ dataDir: dir, port: port + 1 })).rejects.toThrow(
        new EmbeddedPostgresError(
          `Cannot start the embedded PostgreSQL: port ${port + 1} on 127.0.0.1 is already in use by another program. Set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use your own PostgreSQL.`,
        ),
      );
    } finally {
      blocker.close();
    }
  });

  it('stops a server that a killed previous run left holding its port', async () => {
    const first = await startEmbeddedPostgres({ dataDir: dir, port });
    // Simulate a crash of the hub: the server stays up, our handle is lost.
    const orphan = serversFor(dir);
    expect(orphan.length).toBeGreaterThan(0);
    const second = await startEmbeddedPostgres({ dataDir: dir, port });
    expect(await query(second.url, 'select v from kept')).toEqual([{ v: 'survives' }]);
    await second.stop();
    await first.stop().catch(() => undefined);
    expect(serversFor(dir)).toEqual([]);
  });
});
