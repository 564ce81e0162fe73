/**
 * The agent's hub client with two hub replicas on one database. The replicas are two loopback
 * TCP proxies (two URLs, each can die on its own) in front of ONE fake hub, whose state stands
 * for the shared database: an order the first replica executed is known to the second.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubClient, type HubClient } from '../../agent/src/hub-client.js';
import { createFailoverTransport, isFailoverTrigger } from '../../agent/src/hub-failover.js';
import { HubRequestError } from '../../agent/src/errors.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';
import { statusPush } from '../support/status-push.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const TOKEN = 'failover-test-token';
const AGENT = 'agent-f';

let hub: FakeHub | undefined;
let proxies: TcpProxy[] = [];
let client: HubClient | undefined;
afterEach(async () => {
  client?.close();
  await Promise.all(proxies.map((p) => p.close().catch(() => undefined)));
  await hub?.close();
  client = undefined;
  hub = undefined;
  proxies = [];
});

/** A session status at `price` (the client numbers its pushes itself). */
function status(price: number) {
  const { seq: _seq, ...rest } = statusPush(0, { price });
  return rest;
}

async function twoReplicas() {
  hub = await startFakeHub({ agentId: AGENT, token: TOKEN });
  const a = await startTcpProxy('127.0.0.1', hub.port);
  const b = await startTcpProxy('127.0.0.1', hub.port);
  proxies = [a, b];
  const urls = [`http://127.0.0.1:${a.port}`, `http://127.0.0.1:${b.port}/`];
  const diagnostics: string[] = [];
  client = createHubClient({
    hubUrls: urls,
    agentId: AGENT,
    token: TOKEN,
    firstLogSeq: 1,
    logFlushMs: 10,
    backoff: { baseMs: 10, maxMs: 40 },
    // Generous: a slow answer on a loaded machine must not look like a dead replica. The tests
    // kill replicas by refusing or resetting connections, which fails at once.
    requestTimeoutMs: 5_000,
    orderTimeoutMs: 5_000,
    diagnostic: (level, message) => diagnostics.push(`${level}: ${message}`),
  });
  return { hub, a, b, urls, client, diagnostics };
}

const order = (key: string) => ({ idempotencyKey: key, action: 'open', side: 'long', amountUsdt: 50, reason: 'test' }) as const;

describe('hub client with two hub URLs', () => {
  it('moves to the second hub when the first dies, stays there, and keeps pushing and trading', async () => {
    const { hub, a, b, urls, client, diagnostics } = await twoReplicas();
    client.pushStatus(status(1));
    client.log('info', 'before');
    expect(await client.flush(2_000)).toBe(true);
    expect(client.stats().hubUrl).toBe(urls[0]);
    expect(b.connections).toBe(0);

    await a.close(); // replica A is gone: connection refused from now on
    client.pushStatus(status(2));
    client.log('info', 'after');
    expect(await client.flush(2_000)).toBe(true);
    expect(await client.placeOrder(order('o-1'))).toMatchObject({ status: 'open', replayed: false });
    expect(client.stats().hubUrl).toBe(`http://127.0.0.1:${b.port}`);
    expect(hub.statuses.map((s) => s.price)).toEqual([1, 2]);
    expect(hub.logs.map((e) => e.message)).toEqual(['before', 'after']);
    expect(await client.price('BTCUSDT')).toMatchObject({ price: 100 });
    expect(hub.fills).toHaveLength(1);
    // One switch, logged without the token.
    const switches = diagnostics.filter((d) => d.includes('switching to hub'));
    expect(switches).toHaveLength(1);
    expect(switches[0]).toContain(`switching to hub http://127.0.0.1:${b.port}`);
    expect(diagnostics.join('\n')).not.toContain(TOKEN);
  }, 15_000);

  it('never fills an order twice: the first hub executed it and died before answering', async () => {
    const { hub, a, client } = await twoReplicas();
    hub.failNext('orders', 1, 'execute-then-hang');
    const pending = client.placeOrder(order('o-2'));
    await hub.waitFor(() => hub.fills.length === 1, 2_000, 'the fill on replica A');
    a.cut(); // replica A dies with the order's answer unsent
    const result = await pending;
    expect(hub.orders.map((o) => o.idempotencyKey)).toEqual(['o-2', 'o-2']);
    expect(hub.fills).toHaveLength(1);
    expect(result).toMatchObject({ tradeId: 't1', status: 'open', replayed: true });
  });

  it('fails over on 503 but not on a 4xx, which the other replica would answer the same', async () => {
    const { hub, urls, client } = await twoReplicas();
    hub.failNext('orders', 1, '400');
    await expect(client.placeOrder(order('o-3'))).rejects.toMatchObject({ status: 400 });
    expect(client.stats().hubUrl).toBe(urls[0]);
    expect(hub.requests.filter((r) => r.endsWith('/orders'))).toHaveLength(1);

    hub.failNext('orders', 1, '503');
    expect(await client.placeOrder(order('o-4'))).toMatchObject({ status: 'open', replayed: false });
    expect(client.stats().hubUrl).toBe(urls[1]!.replace(/\/$/, ''));
  });

  it('when both hubs are down, retries until one is back, on either', async () => {
    const { hub, a, b, urls, client } = await twoReplicas();
    a.cut();
    b.cut();
    const pending = client.placeOrder(order('o-5'));
    await new Promise((r) => setTimeout(r, 150));
    expect(hub.orders).toHaveLength(0);
    a.restore();
    expect(await pending).toMatchObject({ status: 'open' });
    expect(hub.fills).toHaveLength(1);
    expect(client.stats().hubUrl).toBe(urls[0]);
  });
});

describe('a hub that accepts connections but never answers', () => {
  it('counts as gone after the request timeout: the client moves on', async () => {
    hub = await startFakeHub({ agentId: AGENT, token: TOKEN });
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const holeUrl = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
    try {
      client = createHubClient({ hubUrls: [holeUrl, hub.url], agentId: AGENT, token: TOKEN, firstLogSeq: 1, requestTimeoutMs: 1_000 });
      expect(await client.price('BTCUSDT')).toMatchObject({ price: 100 });
      expect(client.stats().hubUrl).toBe(hub.url);
    } finally {
      for (const s of sockets) s.destroy();
      blackHole.close();
    }
  });
});

describe('failover transport', () => {
  it('classifies failover triggers: no answer, 502, 503, 504; never a 4xx or another 5xx', () => {
    const err = (status: number | null) => new HubRequestError('x', '/p', status, true);
    expect([null, 502, 503, 504].map((s) => isFailoverTrigger(err(s)))).toEqual([true, true, true, true]);
    expect([400, 401, 404, 409, 429, 500].map((s) => isFailoverTrigger(err(s)))).toEqual([false, false, false, false, false, false]);
    expect(isFailoverTrigger(new Error('x'))).toBe(false);
  });

  it('needs a URL', () => {
    expect(() => createFailoverTransport({ baseUrls: [' ', ''], token: 't' })).toThrow(/at least one hub URL/);
  });
});
