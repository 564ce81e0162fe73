import { execFileSync, execSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'artic-embedded-'));
const port = 56_000 + Math.floor(Math.random() * 2_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** PIDs of postgres servers started from our data directory. */
function serversFor(dataDir: string): string[] {
  const out = execSync('ps -eo pid,args', { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('postgres') && l.includes(dataDir) && !l.includes('ps -eo'));
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
    await query(first.url, 'create table kept (v text)');
    await query(first.url, 'insert into kept values ($1)', ['survives']);
    await first.stop();
    expect(serversFor(dir)).toEqual([]);

    const second = await startEmbeddedPostgres({ dataDir: dir, port });
    expect(await query(second.url, 'select v from kept')).toEqual([{ v: 'survives' }]);
    await second.stop();
    expect(serversFor(dir)).toEqual([]);
  });

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
    const out = execFileSync('runuser', ['-u', 'nobody', '--', 'env', `HOME=${home}`, process.execPath, '--import', 'tsx', 'test/support/embedded-pg-probe.ts', path.join(home, 'data'), String(port + 2)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ uid: 65534, answer: 42 });
    expect(serversFor(home)).toEqual([]);
    rmSync(home, { recursive: true, force: true });
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
