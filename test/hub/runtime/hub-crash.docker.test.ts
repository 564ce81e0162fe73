/**
 * A hub that dies hard (SIGKILL, as the OOM killer does) must not end its docker agents: the
 * real app runs as a child process, an agent trades on the simulated market, the hub is killed,
 * another hub starts on the same database, data directory and port, and adopts the agent: the
 * same container keeps trading and the pushes it buffered meanwhile are delivered.
 * Test traffic goes to 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../../../src/hub/runtime/docker-runtime.js';
import { spawnAppProcess, type AppProcess } from '../../support/app-process.js';
import { freePort, freePortRange } from '../../support/app-harness.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { agentContainersOf, dockerAgentEnv, dockerSkipReason, ensureAgentImage } from '../../support/docker.js';
import { waitUntil } from '../../support/wait.js';

const skip = await dockerSkipReason();
const docker = new Docker();

let db: TestDatabase;
let dataDir: string;
const hubs: AppProcess[] = [];
let ownerId: string | undefined;

const containersOf = (owner: string) => agentContainersOf(docker, owner);

describe.skipIf(skip)('a hub killed mid-trade (docker runtime)', () => {
  beforeAll(async () => {
    await ensureAgentImage();
    db = await createTestDatabase('hubkill');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'artic-hubkill-'));
  }, 120_000);

  afterAll(async () => {
    for (const hub of hubs) await hub.shutdown().catch(() => undefined);
    if (ownerId)
      for (const c of await containersOf(ownerId))
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the next hub adopts the trading agent: the same container trades on and its buffered pushes arrive', async () => {
    const range = await freePortRange(4);
    const env = {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      MARKET_DATA: 'simulated',
      PAPER_SLIPPAGE_BPS: '5',
      ...dockerAgentEnv(range),
    };
    const first = await spawnAppProcess(env);
    hubs.push(first);
    // No AGENT_NETWORK: a hub on the host gives its agents host networking, and says so once.
    expect(first.logs().filter((l) => l.msg === 'agents run in docker containers')).toEqual([
      expect.objectContaining({ runtime: 'docker', network: 'host', why: 'the hub runs on the host: agents bind 127.0.0.1:{port}' }),
    ]);
    ownerId = await first.register(9101, 'Crash Trader');
    // SuperTrend always takes a side once warm and keeps it until its trend flips (rare within
    // a minute on 15 min bars). TP and SL sit 0.5 % from the entry: the live price does not move
    // that far during the test, but the last 15 min candle close (what an agent used to fall
    // back to while the hub was away) does, so a decision taken on it would close the trade.
    const agent = await first.create(ownerId, {
      name: 'survivor',
      symbol: 'BTCUSDT',
      timeframe: '15m',
      amountUsdt: 100,
      leverage: 2,
      pollSeconds: 1,
      strategy: 'supertrend',
      tpSlMode: 'fixed',
      tpPct: 0.5,
      slPct: 0.5,
      maxSessionLossPct: 50,
      closeOnStop: true,
    });
    await first.start(ownerId, agent.id);
    await waitUntil(() => first.eventsOf('trade.opened', agent.id).length > 0, 30_000, 'an open position');
    const [opened] = first.eventsOf('trade.opened', agent.id);
    const { Id: containerId } = await docker.getContainer(containerName(agent.id)).inspect();

    await first.kill();
    const killedAt = new Date();
    // The agent notices that the hub is gone and buffers its pushes.
    await waitUntil(
      async () =>
        (await docker.getContainer(containerId).logs({ stdout: true, stderr: true })).toString('utf8').includes('hub push failed'),
      15_000,
      'the agent to notice the hub is gone',
    );

    const second = await spawnAppProcess(env);
    hubs.push(second);
    const upAt = new Date();
    // The adopted agent keeps ticking through several probe rounds (1 s apart) of the new hub.
    await waitUntil(
      () => second.eventsOf('agent.status', agent.id).filter((e) => e.status.state === 'running').length >= 5,
      30_000,
      'ticks under the new hub',
    );

    expect(second.events.filter((e) => ['agent.crashed', 'agent.failed', 'agent.stopped'].includes(e.name))).toEqual([]);
    const containers = await containersOf(ownerId);
    expect(containers.map((c) => [c.Id, c.State])).toEqual([[containerId, 'running']]);
    const health = (await (await fetch(`${second.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ runtime: 'docker', network: 'host', agents: { running: 1, total: 1 } });

    // Lines the agent logged while no hub listened arrived, each once, with no gap in seq.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const buffered = await client.query('select count(*)::int as n from log_entries where agent_id = $1 and ts between $2 and $3', [
        agent.id,
        killedAt,
        upAt,
      ]);
      expect(buffered.rows[0].n).toBeGreaterThan(0);
      const seqs = await client.query(
        'select count(*)::int as n, count(distinct seq)::int as d, (max(seq) - min(seq) + 1)::int as span from log_entries where agent_id = $1',
        [agent.id],
      );
      expect(seqs.rows[0].n).toBe(seqs.rows[0].d);
      expect(seqs.rows[0].n).toBe(seqs.rows[0].span);
    } finally {
      await client.end();
    }

    // It still trades: the position opened under the first hub closes through the second.
    await second.stop(ownerId, agent.id, 'test over');
    expect(second.eventsOf('trade.closed', agent.id)).toEqual([
      expect.objectContaining({ tradeId: opened.tradeId, reason: 'stop: test over' }),
    ]);
    expect(await containersOf(ownerId)).toEqual([]);
    ownerId = undefined;
  }, 150_000);
});
