/**
 * The two-command promise, end to end: `npm start` (tsx src/main.ts) with no DATABASE_URL boots
 * an embedded PostgreSQL, serves /health, and shuts down on SIGTERM within 10 s, leaving no
 * database server behind.
 */
import { spawn } from 'node:child_process';
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'artic-main-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function waitForHealth(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return res;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no healthy answer from ${url}: ${String(lastError)}`);
}

describe('npm start', () => {
  it('boots on embedded defaults, answers /health, and stops cleanly on SIGTERM', async () => {
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port + 1000), LOG_LEVEL: 'warn', AGENT_RUNTIME: 'process', MARKET_DATA: 'simulated' };
    delete env.DATABASE_URL;
    delete env.TELEGRAM_BOT_TOKEN;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const res = await waitForHealth(`http://127.0.0.1:${port}/health`, 60_000);
      const body = (await res.json()) as { status: string; db: string };
      expect(body.status).toBe('ok');
      expect(body.db).toBe('ok');
      expect(output).toContain('DEVELOPMENT SECRETS');
    } finally {
      const t0 = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      expect(code, output).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
    const leftovers = execSync('ps -eo args', { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dataDir));
    expect(leftovers).toEqual([]);
  }, 90_000);
});
