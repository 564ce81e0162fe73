import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { freePort, run, runToEnd, waitForHttp } from './agent-process.js';
import { startRequest } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'bundle-test-token';
let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'artic-agent-bundle-'));
  bundle = path.join(dir, 'agent.mjs');
  await runToEnd(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/build-agent.ts'), '--outfile', bundle], { cwd: ROOT });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('agent bundle', () => {
  it('is one file that runs with plain node outside the repo and serves /health', async () => {
    expect(statSync(bundle).size).toBeGreaterThan(10_000);
    const port = await freePort();
    // Only the variables the hub passes: no NODE_PATH, cwd outside the repository.
    const env = {
      PATH: process.env.PATH,
      HUB_URL: 'http://127.0.0.1:1',
      AGENT_ID: 'agent-b',
      AGENT_TOKEN: TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
    };
    const p = run(process.execPath, [bundle], { env, cwd: dir });
    try {
      const res = await waitForHttp(`http://127.0.0.1:${port}/health`, TOKEN, 10_000);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, agentId: 'agent-b', state: 'idle' });
      const anon = await fetch(`http://127.0.0.1:${port}/health`);
      expect(anon.status).toBe(401);
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await p.exited).toBe(0);
    const lines = p
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(lines[0].msg).toMatch(/^agent .* listening on 127\.0\.0\.1:/);
    expect(lines.some((l) => l.msg === 'SIGTERM: shutting down')).toBe(true);
    expect(p.output()).not.toContain(TOKEN);
  });

  it('trades against the fake hub and, on SIGTERM, flushes and exits 0 leaving the position open', async () => {
    let hub: FakeHub | undefined;
    const port = await freePort();
    try {
      hub = await startFakeHub({ agentId: 'agent-1', token: TOKEN });
      const env = {
        PATH: process.env.PATH,
        HUB_URL: hub.url,
        AGENT_ID: 'agent-1',
        AGENT_TOKEN: TOKEN,
        PORT: String(port),
        HOST: '127.0.0.1',
      };
      const p = run(process.execPath, [bundle], { env, cwd: dir });
      await waitForHttp(`http://127.0.0.1:${port}/health`, TOKEN, 10_000);
      const req = startRequest('', { config: { pollSeconds: 0.1, strategy: 'momentum' } });
      const res = await fetch(`http://127.0.0.1:${port}/start`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(req),
      });
      expect(res.status).toBe(200);
      await hub.waitFor(() => hub!.statuses.length >= 3, 10_000, 'status pushes');
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(hub.statuses[hub.statuses.length - 1].state).toBe('stopped');
      expect(hub.decisions[0]).toMatchObject({ action: 'PLAN', strategy: 'momentum' });
      const messages = hub.logs.map((e) => e.message);
      expect(messages[0]).toMatch(/^start: BTCUSDT 1m/);
      // The real momentum strategy on the fake hub's deterministic candles goes long.
      expect(messages).toContainEqual(expect.stringMatching(/^opened long/));
      expect(messages[messages.length - 1]).toBe('stopped: agent process shutting down (position left open)');
      expect(hub.orders.filter((o) => o.action === 'close')).toHaveLength(0);
      expect(hub.position).not.toBeNull();
    } finally {
      await hub?.close();
    }
  });
});
