/**
 * A hub killed between the exchange's fill and its own commit (issue 10 §4), end to end: the real
 * product (`tsx src/main.ts`) as a child process on a private database, trading live on the
 * HashKey stand-in with the operator's keys (the owner is the admin). The stand-in fills the
 * order at once but holds its answer; the test SIGKILLs the hub while that answer is out, starts
 * it again on the same database, and expects the boot reconcile to record exactly one trade whose
 * quantity and price are the exchange's, and the agent's position to match it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm, type Orm } from '../../src/db/orm.js';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { createUserService } from '../../src/hub/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startHashKeyServer, type HashKeyServer } from '../support/hashkey-server.js';
import { spawnMain, waitForHealth, type MainProcess } from '../support/main-process.js';
import { freePort } from '../support/ports.js';
import { waitUntil } from '../support/wait.js';

const ADMIN_TELEGRAM_ID = 7401;
const secrets = { internalSecret: 'i'.repeat(40), jwtSecret: 'j'.repeat(40) };

let db: TestDatabase;
let hk: HashKeyServer;
let orm: Orm | undefined;
let main: MainProcess | undefined;
let dataDir: string;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase('live_crash');
  hk = await startHashKeyServer();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'artic-live-crash-'));
  port = await freePort();
});

afterAll(async () => {
  if (main && main.child.exitCode === null) {
    main.child.kill('SIGKILL');
    await main.exited;
  }
  await orm?.close(true);
  await hk?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The product as `npm start` runs it, trading on the stand-in; ready when /health answers. */
async function startHub(): Promise<MainProcess> {
  const hub = spawnMain(process.cwd(), {
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    INTERNAL_SECRET: secrets.internalSecret,
    JWT_SECRET: secrets.jwtSecret,
    ENCRYPTION_KEY: 'e'.repeat(64),
    TELEGRAM_BOT_TOKEN: undefined,
    ACCESS_MODE: 'approval',
    ADMIN_TELEGRAM_IDS: String(ADMIN_TELEGRAM_ID),
    // No agent program runs here: the test speaks for the agent, and a restart must not start one.
    AGENT_RUNTIME: 'process',
    AGENT_RESTART_ON_CRASH: 'false',
    // Live orders need a real quote: HashKey's public prices, from the stand-in.
    MARKET_DATA: 'hashkey',
    HASHKEY_BASE_URL: hk.url,
    HASHKEY_API_KEY: hk.apiKey,
    HASHKEY_SECRET: hk.secret,
  });
  await waitForHealth(`http://127.0.0.1:${port}/health`, 60_000, hub);
  return hub;
}

function placeOrder(agentId: string, token: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/internal/agents/${agentId}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const sql = <T = Record<string, unknown>>(query: string, params: unknown[] = []) =>
  orm!.em.fork().getConnection().execute<T[]>(query, params);

describe('a hub killed between the exchange fill and its commit', () => {
  it("records exactly one trade at restart, and the position is the exchange's", { timeout: 180_000 }, async () => {
    main = await startHub();
    orm = await initOrm(db.url);
    const users = createUserService({ orm, accessMode: 'approval', adminIds: [ADMIN_TELEGRAM_ID] });
    const ownerId = (await users.register(ADMIN_TELEGRAM_ID, 'Operator')).user.id;
    const agent = await createAgentDirectory({ orm, limits: { maxLeverage: 20 } }).create(ownerId, {
      name: 'live-one',
      symbol: 'BTCUSDT',
      amountUsdt: 100,
      liveMode: true,
    });
    // What the lifecycle records when the agent runs (the session is live, at 1×).
    await sql(`update agents set status = 'running', session_live_mode = true, session_leverage = 1 where id = ?`, [agent.id]);
    const token = await createTokenService(secrets).mintAgentToken(agent.id);
    const order = { idempotencyKey: crypto.randomUUID(), action: 'open', side: 'long', amountUsdt: 100, reason: 'breakout' };

    const held = hk.hold({ path: '/api/v1.1/spot/order', method: 'POST' });
    const answer = placeOrder(agent.id, token, order).catch((e: unknown) => e);
    await held.reached;
    const [placed] = hk.orders.filter((o) => o.clientOrderId === order.idempotencyKey);
    expect(placed).toMatchObject({ status: 'FILLED', side: 'BUY' });

    main.child.kill('SIGKILL');
    expect((await main.exited).signal).toBe('SIGKILL');
    expect(await answer).toBeInstanceOf(Error); // the agent never heard back
    held.release();
    expect(await sql('select id from trades where agent_id = ?', [agent.id])).toHaveLength(0);

    main = await startHub();
    await waitUntil(
      async () => (await sql('select id from trades where agent_id = ?', [agent.id])).length > 0,
      30_000,
      'the reconciled trade',
    );
    // The exchange's fill, as the stand-in recorded it.
    const executions = hk.trades.filter((t) => t.orderId === placed.orderId);
    const executed = Number(placed.executedQty);
    const price = Number(placed.cumulativeQuoteQty) / executed;
    const baseFee = executions.reduce((s, t) => s + Number(t.commission), 0);

    const trades = await sql<{ id: string; qty: number; entry_price: number; status: string; live: boolean; exchange_order_ids: string[] }>(
      'select id, qty, entry_price, status, live, exchange_order_ids from trades where agent_id = ?',
      [agent.id],
    );
    expect(trades).toHaveLength(1);
    const [trade] = trades;
    expect(trade).toMatchObject({ status: 'open', live: true, exchange_order_ids: [placed.orderId] });
    expect(trade.entry_price).toBeCloseTo(price, 8);
    expect(trade.qty).toBeCloseTo(executed - baseFee, 12);
    const [row] = await sql<{ position: { tradeId: string; qty: number; entryPrice: number } }>(
      'select position from agents where id = ?',
      [agent.id],
    );
    expect(row.position).toMatchObject({ tradeId: trade.id });
    expect(row.position.qty).toBeCloseTo(trade.qty, 12);
    expect(row.position.entryPrice).toBeCloseTo(trade.entry_price, 8);

    // The agent's retry of the order it never heard back about: the same trade, no new order.
    const retried = await placeOrder(agent.id, token, order);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ tradeId: trade.id, replayed: true });
    expect(hk.orders.filter((o) => o.clientOrderId === order.idempotencyKey)).toHaveLength(1);
    expect(await sql('select id from trades where agent_id = ?', [agent.id])).toHaveLength(1);

    main.child.kill('SIGTERM');
    expect((await main.exited).code).toBe(0);
  });
});
