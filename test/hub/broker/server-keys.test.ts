/**
 * The operator's HashKey keys (HASHKEY_API_KEY/HASHKEY_SECRET in the environment) trade for admins
 * only: the vault as the hub builds it from the config, the exchange factory and the broker,
 * against the local HashKey stand-in.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { createBroker, type Broker } from '../../../src/hub/broker/broker.js';
import { LiveOrderError } from '../../../src/hub/broker/errors.js';
import { createHashKeyExchangeFactory } from '../../../src/hub/broker/hashkey-keys.js';
import { createVaultFromConfig } from '../../../src/hub/secrets/vault-from-config.js';
import type { Vault } from '../../../src/hub/secrets/vault.js';
import { createUserService } from '../../../src/hub/users.js';
import { createLogger } from '../../../src/logger.js';
import { startHashKeyServer, type HashKeyServer } from '../../support/hashkey-server.js';
import { brokerFixture, settablePrices, type BrokerFixture } from './fixtures.js';

let fx: BrokerFixture;
let hk: HashKeyServer;
let broker: Broker;
let vault: Vault;
let admin: string;
let trader: string;
const key = () => crypto.randomUUID();

beforeAll(async () => {
  fx = await brokerFixture('server_keys');
  hk = await startHashKeyServer();
  const config = parseConfig({
    ACCESS_MODE: 'approval',
    ADMIN_TELEGRAM_IDS: '9001',
    HASHKEY_API_KEY: hk.apiKey,
    HASHKEY_SECRET: hk.secret,
    HASHKEY_BASE_URL: hk.url,
  });
  const users = createUserService({ orm: fx.orm, accessMode: config.telegram.accessMode, adminIds: config.telegram.adminIds });
  admin = (await users.register(9001, 'Operator')).user.id;
  trader = (await users.register(9002, 'Someone')).user.id;
  await users.decide(9002, 'approve');
  vault = createVaultFromConfig({ ...config, encryptionKey: randomBytes(32).toString('hex') }, { orm: fx.orm, users });
  const exchangeFor = createHashKeyExchangeFactory({ secrets: vault, baseUrl: hk.url, exchange: { fillPollIntervalMs: 5 } });
  broker = createBroker({
    orm: fx.orm,
    events: fx.events,
    prices: settablePrices({ BTCUSDT: 60_000 }),
    feeBps: 10,
    slippageBps: 10,
    exchangeFor,
    logger: createLogger({ level: 'silent' }),
  });
});

afterAll(async () => {
  await hk?.close();
  await fx?.close();
});

describe('server-wide HashKey keys', () => {
  it('refuse a live order of an approved non-admin who stored no keys: nothing reaches the exchange', async () => {
    const agentId = await fx.agent(trader, { liveMode: true });
    const before = hk.requests.length;
    const err = await broker
      .execute(agentId, { idempotencyKey: key(), action: 'open', side: 'long', reason: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveOrderError);
    expect((err as LiveOrderError).kind).toBe('auth');
    expect(hk.requests.length).toBe(before);
    expect(await fx.count('trades', 'agent_id = ?', [agentId])).toBe(0);
  });

  it('trade for an admin', async () => {
    const agentId = await fx.agent(admin, { liveMode: true });
    const k = key();
    const opened = await broker.execute(agentId, { idempotencyKey: k, action: 'open', side: 'long', amountUsdt: 100, reason: 'x' });
    expect(opened).toMatchObject({ status: 'open', live: true });
    expect(hk.orders.find((o) => o.clientOrderId === k)).toMatchObject({ side: 'BUY', status: 'FILLED' });
  });

  it('leave a non-admin trading with keys of their own', async () => {
    await vault.set(trader, 'HASHKEY_API_KEY', hk.apiKey);
    await vault.set(trader, 'HASHKEY_SECRET', hk.secret);
    const agentId = await fx.agent(trader, { liveMode: true, name: 'own-keys' });
    const k = key();
    expect(await broker.execute(agentId, { idempotencyKey: k, action: 'open', side: 'long', amountUsdt: 100, reason: 'x' })).toMatchObject({
      status: 'open',
      live: true,
    });
    expect(hk.orders.find((o) => o.clientOrderId === k)).toMatchObject({ status: 'FILLED' });
  });
});
