/** Shared set-up of the broker tests: a migrated database, users, agents, a settable price. */
import { afterAll, beforeAll } from 'vitest';
import { createAgentDirectory, type AgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import type { AgentInput } from '../../../src/hub/agents/agent-input.js';
import { HubEvents, type HubEventMap, type HubEventName } from '../../../src/hub/events.js';
import type { ExchangeFactory } from '../../../src/hub/broker/fills.js';
import { createHashKeyExchangeFactory } from '../../../src/hub/broker/hashkey-keys.js';
import type { Exchange } from '../../../src/hub/exchange/exchange.js';
import type { HashKeyServer } from '../../support/hashkey-server.js';
import type { PriceSource } from '../../../src/hub/broker/price-source.js';
import { createUserService } from '../../../src/hub/users.js';
import type { AgentStatus } from '../../../src/db/entities/index.js';
import type { Orm } from '../../../src/db/orm.js';
import { createTestOrm } from '../../support/db.js';

export interface BrokerFixture {
  orm: Orm;
  /** URL of the fixture's private database (for a second connection that holds locks). */
  url: string;
  directory: AgentDirectory;
  events: HubEvents;
  close(): Promise<void>;
  /** A fresh user (unique telegram id). */
  user(): Promise<string>;
  /** A new agent whose status is `running` (the broker opens positions for running agents only). */
  agent(ownerId: string, input?: Partial<AgentInput>): Promise<string>;
  /** Sets the agent's status as the lifecycle would (e.g. `stopping` while a stop is under way). */
  setStatus(agentId: string, status: AgentStatus): Promise<void>;
  /** Every event of `name` emitted since the fixture was built. */
  seen<K extends HubEventName>(name: K): Array<HubEventMap[K]>;
  count(table: 'trades' | 'chain_outbox' | 'decisions', where?: string, params?: unknown[]): Promise<number>;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

let telegramIds = 1000;

export async function brokerFixture(prefix: string): Promise<BrokerFixture> {
  const { orm, db, close } = await createTestOrm(prefix);
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 50 } });
  const events = new HubEvents();
  const log: Array<{ name: HubEventName; data: unknown }> = [];
  events.onAny((name, data) => log.push({ name, data }));
  let names = 0;
  const sql = async <T>(text: string, params: unknown[] = []) => (await orm.em.getConnection().execute(text, params)) as T[];
  return {
    orm,
    url: db.url,
    directory,
    events,
    close,
    async user() {
      const id = telegramIds++;
      return (await users.register(id, `u${id}`)).user.id;
    },
    async agent(ownerId, input = {}) {
      const { id } = await directory.create(ownerId, { name: `agent-${++names}`, symbol: 'BTCUSDT', amountUsdt: 100, ...input });
      await sql(`update agents set status = 'running' where id = ?`, [id]);
      return id;
    },
    async setStatus(agentId, status) {
      await sql('update agents set status = ? where id = ?', [status, agentId]);
    },
    seen(name) {
      return log.filter((e) => e.name === name).map((e) => e.data) as never;
    },
    async count(table, where = 'true', params = []) {
      const rows = await sql<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params);
      return Number(rows[0].n);
    },
    sql,
  };
}

/** One fixture for the whole test file, with one user: built before its tests, closed after them. */
export function brokerFixtureForFile(prefix: string): { readonly fx: BrokerFixture; readonly owner: string } {
  const file = {} as { fx: BrokerFixture; owner: string };
  beforeAll(async () => {
    file.fx = await brokerFixture(prefix);
    file.owner = await file.fx.user();
  });
  afterAll(async () => {
    await file.fx?.close();
  });
  return file;
}

/**
 * A price source whose prices the test sets; `fail` makes the next calls throw, `stale` marks
 * quotes the market could not refresh, `ageMs` makes them that old, `simulated` labels them so.
 * `asked` records the freshness each call asked for (`maxAgeMs`, undefined when none). `now`:
 * the clock quotes are observed by (the broker's, when it runs ahead).
 */
export function settablePrices(
  initial: Record<string, number>,
  now: () => number = Date.now,
): PriceSource & {
  set(symbol: string, price: number): void;
  fail: Error | undefined;
  stale: boolean;
  ageMs: number;
  simulated: boolean;
  asked: Array<number | undefined>;
  /** Runs at each lookup before it answers (e.g. to look at locks while the broker prices). */
  during: (() => Promise<void>) | undefined;
} {
  const prices = new Map(Object.entries(initial));
  const source = {
    fail: undefined as Error | undefined,
    stale: false,
    ageMs: 0,
    simulated: false,
    asked: [] as Array<number | undefined>,
    during: undefined as (() => Promise<void>) | undefined,
    set(symbol: string, price: number) {
      prices.set(symbol, price);
    },
    async price(symbol: string, options?: { maxAgeMs?: number }) {
      source.asked.push(options?.maxAgeMs);
      await source.during?.();
      if (source.fail) throw source.fail;
      const price = prices.get(symbol);
      if (price === undefined) throw new Error(`no price for ${symbol}`);
      return { price, stale: source.stale, at: now() - source.ageMs, simulated: source.simulated };
    },
  };
  return source;
}

/** Makes every insert into `table` fail inside its transaction (a forced mid-transaction failure). */
export async function failInserts(fx: BrokerFixture, table: 'chain_outbox'): Promise<() => Promise<void>> {
  await fx.sql(
    `create or replace function artic_test_fail() returns trigger language plpgsql as $$ begin raise exception 'forced failure'; end $$`,
  );
  await fx.sql(`create trigger artic_test_fail before insert on ${table} for each row execute function artic_test_fail()`);
  return async () => {
    await fx.sql(`drop trigger artic_test_fail on ${table}`);
  };
}

/** Changes what an exchange does (e.g. a hub that dies at some point of a live order). */
export type ExchangeTamper = (exchange: Exchange) => Exchange;

/**
 * Exchanges on the HashKey stand-in for the users in `owners` (their keys are the stand-in's),
 * none for anyone else; `tamper` wraps each one.
 */
export function standInExchanges(hk: HashKeyServer, owners: string[], tamper: ExchangeTamper = (e) => e): ExchangeFactory {
  const factory = createHashKeyExchangeFactory({
    secrets: {
      async resolve(ownerId, name) {
        if (!owners.includes(ownerId)) return undefined;
        return name === 'HASHKEY_API_KEY' ? hk.apiKey : name === 'HASHKEY_SECRET' ? hk.secret : undefined;
      },
    },
    baseUrl: hk.url,
    exchange: { fillPollIntervalMs: 5 },
  });
  return async (ownerId, agentId) => {
    const exchange = await factory(ownerId, agentId);
    return exchange && tamper(exchange);
  };
}

/**
 * A hub that dies during a live order, seen from the exchange: its order call never returns,
 * either before reaching the exchange (`before`) or after the exchange filled it (`after`).
 */
export function dieAt(point: 'before' | 'after'): ExchangeTamper {
  const never = new Promise<never>(() => {});
  return (exchange) => ({
    ...exchange,
    async marketOrder(request) {
      if (point === 'after') await exchange.marketOrder(request);
      return never;
    },
  });
}
