import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormConfig } from '../../src/db/orm-config.js';
import { AgentSchema, LogEntrySchema, UserSchema } from '../../src/db/entities/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase('mig');
  orm = await MikroORM.init(ormConfig({ clientUrl: db.url }));
});
afterAll(async () => {
  await orm?.close(true);
  await db?.drop();
});

describe('migrations', () => {
  it('apply to an empty database, are idempotent, and match the entities', async () => {
    const migrator = orm.getMigrator();
    const first = await migrator.up();
    expect(first.length).toBeGreaterThan(0);
    const second = await migrator.up();
    expect(second).toEqual([]);
    expect(await migrator.checkMigrationNeeded()).toBe(false);
    const tables: Array<{ table_name: string }> = await orm.em
      .getConnection()
      .execute(`select table_name from information_schema.tables where table_schema = 'public'`);
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'users',
        'agents',
        'trades',
        'log_entries',
        'candles',
        'secrets',
        'chain_outbox',
        'bot_sessions',
        'alert_preferences',
        'decisions',
        'outbound_messages',
        'api_credits',
      ]),
    );
  });

  it('enforces the constraints later features rely on', async () => {
    const em = orm.em.fork();
    const user = em.create(UserSchema, { telegramId: 1001 });
    const a = em.create(AgentSchema, { owner: user, name: 'a', symbol: 'BTCUSDT', amountUsdt: 100, port: 8100 });
    await em.flush();
    const em2 = orm.em.fork();
    em2.create(AgentSchema, { owner: user.id, name: 'b', symbol: 'BTCUSDT', amountUsdt: 100, port: 8100 });
    await expect(em2.flush()).rejects.toThrow(/agents_port_unique/);

    const em3 = orm.em.fork();
    em3.create(LogEntrySchema, { agent: a.id, seq: 1, level: 'info', message: 'x', ts: new Date() });
    await em3.flush();
    const em4 = orm.em.fork();
    em4.create(LogEntrySchema, { agent: a.id, seq: 1, level: 'info', message: 'dup', ts: new Date() });
    await expect(em4.flush()).rejects.toThrow(/log_entries_agent_id_seq_unique/);

    // Released ports (NULL) never collide.
    const em5 = orm.em.fork();
    em5.create(AgentSchema, { owner: user.id, name: 'c', symbol: 'ETHUSDT', amountUsdt: 1, port: null });
    em5.create(AgentSchema, { owner: user.id, name: 'd', symbol: 'ETHUSDT', amountUsdt: 1, port: null });
    await em5.flush();
  });
});
