import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../agent/src/backoff.js';
import { HubRequestError } from '../../agent/src/errors.js';
import { createHubClient, type HubClient, type HubClientOptions } from '../../agent/src/hub-client.js';
import { createLogBuffer } from '../../agent/src/log-buffer.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';

const TOKEN = 'hub-client-test-token';
const AGENT = 'agent-7';

let hub: FakeHub | undefined;
let client: HubClient | undefined;
afterEach(async () => {
  client?.close();
  await hub?.close();
  client = undefined;
  hub = undefined;
});

async function setup(opts: Partial<HubClientOptions> = {}) {
  hub = await startFakeHub({ agentId: AGENT, token: TOKEN });
  const diagnostics: string[] = [];
  client = createHubClient({
    hubUrl: hub.url,
    agentId: AGENT,
    token: TOKEN,
    firstLogSeq: 41,
    logFlushMs: 20,
    backoff: { baseMs: 10, maxMs: 40 },
    requestTimeoutMs: 300,
    orderTimeoutMs: 300,
    diagnostic: (level, message) => diagnostics.push(`${level}: ${message}`),
    ...opts,
  });
  return { hub, client, diagnostics };
}

const status = {
  state: 'running',
  price: 1,
  position: null,
  unrealizedPnl: 0,
  realizedPnl: 0,
  strategy: 'momentum',
  lastAction: null,
  stale: false,
  simulated: false,
  ts: '2026-01-01T00:00:00.000Z',
} as const;

describe('hub client: pushes', () => {
  it('batches log entries, numbering them from firstLogSeq', async () => {
    const { hub, client } = await setup({ logBatchSize: 50 });
    for (let i = 0; i < 120; i++) client.log('info', `line ${i}`);
    expect(await client.flush(3_000)).toBe(true);
    expect(hub.logs.map((e) => e.seq)).toEqual(Array.from({ length: 120 }, (_, i) => 41 + i));
    expect(hub.logPosts).toBeLessThanOrEqual(5);
    expect(client.stats().nextLogSeq).toBe(161);
  });

  it('sends a lone entry after the flush interval without being asked', async () => {
    const { hub, client } = await setup({ logFlushMs: 30 });
    client.log('warn', 'only one');
    await hub.waitFor(() => hub.logs.length === 1, 2_000, 'the entry');
    expect(hub.logs[0]).toMatchObject({ seq: 41, level: 'warn', message: 'only one' });
  });

  it('hub down then up: everything arrives once, no seq is sent twice', async () => {
    const { hub, client, diagnostics } = await setup();
    client.log('info', 'before');
    await client.flush(2_000);
    await hub.down();
    for (let i = 0; i < 30; i++) client.log('info', `while down ${i}`);
    client.pushDecision({ idempotencyKey: 'd-1', action: 'KEEP', strategy: null, confidence: 0.5, reasoning: 'r' });
    client.pushStatus({ ...status, price: 1 });
    client.pushStatus({ ...status, price: 2 });
    await new Promise((r) => setTimeout(r, 150));
    expect(client.stats().failures).toBeGreaterThan(0);
    await hub.up();
    expect(await client.flush(3_000)).toBe(true);
    expect(hub.receivedLogSeqs).toEqual(Array.from({ length: 31 }, (_, i) => 41 + i));
    expect(hub.decisions.map((d) => d.idempotencyKey)).toEqual(['d-1']);
    expect(hub.statuses.map((s) => s.price)).toEqual([2]);
    expect(diagnostics.filter((d) => d.startsWith('warn: hub push failed'))).toHaveLength(1);
    expect(diagnostics.some((d) => d.startsWith('info: hub reachable again'))).toBe(true);
  });

  it('retries 5xx and 429 but drops a 400 (logged, not retried)', async () => {
    const { hub, client, diagnostics } = await setup();
    hub.failNext('decisions', 2, '503');
    hub.failNext('decisions', 1, '429');
    client.pushDecision({ idempotencyKey: 'a', action: 'PLAN', strategy: 'momentum', confidence: 0.5, reasoning: 'x' });
    expect(await client.flush(3_000)).toBe(true);
    expect(hub.decisions.map((d) => d.idempotencyKey)).toEqual(['a']);
    expect(hub.requests.filter((r) => r.endsWith('/decisions'))).toHaveLength(4);

    hub.failNext('decisions', 1, '400');
    client.pushDecision({ idempotencyKey: 'b', action: 'KEEP', strategy: null, confidence: 0.5, reasoning: 'x' });
    expect(await client.flush(3_000)).toBe(true);
    expect(hub.requests.filter((r) => r.endsWith('/decisions'))).toHaveLength(5);
    expect(hub.decisions.map((d) => d.idempotencyKey)).toEqual(['a']);
    expect(diagnostics.some((d) => d.startsWith('error: hub refused decision b'))).toBe(true);
  });

  it('a timed-out log batch retried with the same seqs is stored once', async () => {
    const { hub, client } = await setup({ requestTimeoutMs: 100 });
    hub.failNext('logs', 1, 'execute-then-hang'); // logs: behaves like "hang" (nothing stored)
    for (let i = 0; i < 5; i++) client.log('info', `x${i}`);
    expect(await client.flush(3_000)).toBe(true);
    expect(hub.logs.map((e) => e.seq)).toEqual([41, 42, 43, 44, 45]);
  });

  it('a hub that answers a direct request gets the buffered pushes at once, not at the end of their backoff', async () => {
    // Backoff of a minute: without the nudge nothing would arrive within this test.
    const { hub, client } = await setup({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    await hub.down();
    client.log('info', 'while down');
    client.pushStatus({ ...status, price: 7 });
    await hub.waitFor(() => client!.stats().failures > 0, 2_000, 'a failed push');
    await hub.up(); // another hub takes over; the agent's next tick asks it for the price
    await client.price('BTCUSDT');
    await hub.waitFor(() => hub.logs.length === 1 && hub.statuses.length === 1, 2_000, 'the buffered pushes');
    expect(hub.logs[0]).toMatchObject({ seq: 41, message: 'while down' });
    expect(client.stats().failures).toBe(0);
  });

  it('keeps only the newest status while the hub is unreachable', async () => {
    const { hub, client } = await setup();
    await hub.down();
    for (let i = 1; i <= 50; i++) client.pushStatus({ ...status, price: i });
    expect(client.stats().statusPending).toBe(true);
    await hub.up();
    expect(await client.flush(3_000)).toBe(true);
    expect(hub.statuses.map((s) => s.price)).toEqual([50]);
  });
});

describe('hub client: bounded log buffer', () => {
  it('drops debug/info before warn/error when full, and reports the drop count', async () => {
    const { hub, client, diagnostics } = await setup({ maxBufferedLogs: 10 });
    await hub.down();
    for (let i = 0; i < 5; i++) client.log('error', `e${i}`);
    for (let i = 0; i < 20; i++) client.log(i % 2 ? 'info' : 'debug', `n${i}`);
    expect(client.stats().bufferedLogs).toBe(10);
    expect(client.stats().droppedLogs).toBe(15);
    await hub.up();
    expect(await client.flush(3_000)).toBe(true);
    const messages = hub.logs.map((e) => e.message);
    expect(messages.slice(0, 5)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(messages.filter((m) => m.startsWith('n'))).toHaveLength(5);
    const report = hub.logs.find((e) => e.level === 'warn')!;
    expect(report.message).toMatch(/^dropped 15 log entries/);
    expect(diagnostics.some((d) => d.includes('dropped 15 log entries'))).toBe(true);
    // seqs stay unique and increasing in arrival order
    const seqs = hub.receivedLogSeqs;
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('log buffer unit: capacity, policy and put-back', () => {
    const buf = createLogBuffer(3);
    const e = (seq: number, level: 'debug' | 'info' | 'warn' | 'error') => ({ seq, level, message: String(seq), ts: '' });
    buf.push(e(1, 'warn'));
    buf.push(e(2, 'info'));
    buf.push(e(3, 'debug'));
    buf.push(e(4, 'error')); // drops 3 (debug)
    buf.push(e(5, 'error')); // drops 2 (info)
    buf.push(e(6, 'error')); // only warn/error left: drops the oldest (1)
    expect(buf.take(10).map((x) => x.seq)).toEqual([4, 5, 6]);
    expect(buf.takeDropCount()).toBe(3);
    expect(buf.takeDropCount()).toBe(0);
    buf.push(e(7, 'info'));
    const taken = buf.take(1);
    buf.push(e(8, 'info'));
    buf.putBack(taken);
    expect(buf.take(10).map((x) => x.seq)).toEqual([7, 8]);
    expect(buf.totalDropped).toBe(3);
  });
});

describe('hub client: orders and requests', () => {
  it('retries an unanswered order with the same key; the hub fills it once', async () => {
    const { hub, client } = await setup();
    hub.failNext('orders', 1, 'execute-then-hang');
    hub.failNext('orders', 1, '503');
    const result = await client.placeOrder({ idempotencyKey: 'o-1', action: 'open', side: 'long', amountUsdt: 50, reason: 'test' });
    expect(hub.requests.filter((r) => r.endsWith('/orders'))).toHaveLength(3);
    expect(hub.orders.map((o) => o.idempotencyKey)).toEqual(['o-1', 'o-1']); // the 503 never reached the broker
    expect(hub.fills).toHaveLength(1);
    expect(result).toMatchObject({ tradeId: 't1', status: 'open', replayed: true, qty: 0.5 });
  });

  it('does not retry an order the hub refuses', async () => {
    const { hub, client } = await setup();
    const err = await client.placeOrder({ idempotencyKey: 'o-2', action: 'close', reason: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubRequestError);
    expect(err).toMatchObject({ status: 409, code: 'no_position', retryable: false });
    expect(hub.orders).toHaveLength(1);
  });

  it('abandons order retries when the agent stops', async () => {
    const { hub, client } = await setup();
    await hub.down();
    const ctl = new AbortController();
    const pending = client.placeOrder({ idempotencyKey: 'o-3', action: 'open', side: 'short', amountUsdt: 1, reason: 'x' }, ctl.signal);
    setTimeout(() => ctl.abort(), 100);
    await expect(pending).rejects.toMatchObject({ name: 'AgentStoppingError' });
  });

  it('sends the bearer token; the hub refuses another agent id', async () => {
    hub = await startFakeHub({ agentId: AGENT, token: TOKEN });
    const wrong = createHubClient({ hubUrl: hub.url, agentId: 'someone-else', token: TOKEN, firstLogSeq: 1 });
    const err = await wrong.llm({ purpose: 'planner', messages: [] }).catch((e: unknown) => e);
    wrong.close();
    expect(err).toMatchObject({ name: 'HubRequestError', status: 403, retryable: false });
    const badToken = createHubClient({ hubUrl: hub.url, agentId: AGENT, token: 'nope', firstLogSeq: 1 });
    const err2 = await badToken.candles('BTCUSDT', '1m', 10).catch((e: unknown) => e);
    badToken.close();
    expect(err2).toMatchObject({ status: 401 });
  });

  it('reads candles and price', async () => {
    const { client } = await setup();
    const candles = await client.candles('BTCUSDT', '5m', 42);
    expect(candles.candles).toHaveLength(42);
    expect(candles.interval).toBe('5m');
    expect(await client.price('BTCUSDT')).toMatchObject({ price: 100, stale: false });
  });
});

describe('backoff', () => {
  it('doubles up to the cap with jitter in [0.5, 1)', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(400);
  });
});
