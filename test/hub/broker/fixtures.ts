/** Shared set-up of the broker tests: a migrated database, users, agents, a settable price. */
import { createAgentDirectory, type AgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import type { AgentInput } from '../../../src/hub/agents/agent-input.js';
import { HubEvents, type HubEventMap, type HubEventName } from '../../../src/hub/events.js';
import type { PriceSource } from '../../../src/hub/broker/ports.js';
import { createUserService } from '../../../src/hub/users.js';
import type { Orm } from '../../../src/db/orm.js';
import { createTestOrm } from '../../support/db.js';

export interface BrokerFixture {
  orm: Orm;
  directory: AgentDirectory;
  events: HubEvents;
  close(): Promise<void>;
  /** A fresh user (unique telegram id). */
  user(): Promise<string>;
  agent(ownerId: string, input?: Partial<AgentInput>): Promise<string>;
  /** Every event of `name` emitted since the fixture was built. */
  seen<K extends HubEventName>(name: K): Array<HubEventMap[K]>;
  count(table: 'trades' | 'chain_outbox' | 'decisions', where?: string, params?: unknown[]): Promise<number>;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

let telegramIds = 1000;

export async function brokerFixture(prefix: string): Promise<BrokerFixture> {
  const { orm, close } = await createTestOrm(prefix);
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 50 } });
  const events = new HubEvents();
  const log: Array<{ name: HubEventName; data: unknown }> = [];
  events.onAny((name, data) => log.push({ name, data }));
  let names = 0;
  const sql = async <T,>(text: string, params: unknown[] = []) => (await orm.em.getConnection().execute(text, params)) as T[];
  return {
    orm,
    directory,
    events,
    close,
    async user() {
      const id = telegramIds++;
      return (await users.register(id, `u${id}`)).user.id;
    },
    async agent(ownerId, input = {}) {
      return (await directory.create(ownerId, { name: `agent-${++names}`, symbol: 'BTCUSDT', amountUsdt: 100, ...input })).id;
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

/** A price source whose prices the test sets; `fail` makes the next calls throw. */
export function settablePrices(initial: Record<string, number>): PriceSource & { set(symbol: string, price: number): void; fail: Error | undefined; stale: boolean } {
  const prices = new Map(Object.entries(initial));
  const source = {
    fail: undefined as Error | undefined,
    stale: false,
    set(symbol: string, price: number) {
      prices.set(symbol, price);
    },
    async price(symbol: string) {
      if (source.fail) throw source.fail;
      const price = prices.get(symbol);
      if (price === undefined) throw new Error(`no price for ${symbol}`);
      return { price, stale: source.stale };
    },
  };
  return source;
}

/** Makes every insert into `table` fail inside its transaction (a forced mid-transaction failure). */
export async function failInserts(fx: BrokerFixture, table: 'chain_outbox'): Promise<() => Promise<void>> {
  await fx.sql(`create or replace function artic_test_fail() returns trigger language plpgsql as $$ begin raise exception 'forced failure'; end $$`);
  await fx.sql(`create trigger artic_test_fail before insert on ${table} for each row execute function artic_test_fail()`);
  return async () => {
    await fx.sql(`drop trigger artic_test_fail on ${table}`);
  };
}
