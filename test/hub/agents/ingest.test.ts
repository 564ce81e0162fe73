import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../../src/db/orm.js';
import { createAgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import { createAgentIngest, type AgentIngest } from '../../../src/hub/agents/ingest.js';
import { HubEvents } from '../../../src/hub/events.js';
import { createUserService } from '../../../src/hub/users.js';
import { createLogger } from '../../../src/logger.js';
import type { StatusPush } from '../../../src/shared/wire.js';
import { createTestOrm } from '../../support/db.js';
import { statusPush } from '../../support/status-push.js';

let orm: Orm;
let close: () => Promise<void>;
let ingest: AgentIngest;
let owner: string;
const events = new HubEvents();
const directory = () => createAgentDirectory({ orm, limits: { maxLeverage: 20 } });

const push = (seq: number, extra: Partial<StatusPush> = {}) => statusPush(seq, extra);

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('ingest'));
  owner = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(1, 'A')).user.id;
  ingest = createAgentIngest({ orm, events, logger: createLogger({ level: 'silent' }), flushIntervalMs: 60_000 });
});
afterAll(async () => {
  await ingest?.close();
  await close?.();
});

async function priceOf(agentId: string): Promise<number | null> {
  const [row] = await orm.em.getConnection().execute('select last_price from agents where id = ?', [agentId]);
  return row.last_price;
}

describe('batched status writes', () => {
  it('one bad row never fails the write for the other agents', async () => {
    const dir = directory();
    const [good, badTs, badStrategy] = await Promise.all(
      ['good', 'bad-ts', 'bad-strategy'].map((name) => dir.create(owner, { name, symbol: 'BTCUSDT', amountUsdt: 100 })),
    );
    const ref = { ownerId: owner, name: 'x' };
    ingest.status(good.id, ref, push(1));
    // Rows the route schema would refuse, reaching the writer another way: the database rejects them.
    ingest.status(badTs.id, ref, push(2, { ts: 'not a time' }));
    ingest.status(badStrategy.id, ref, push(3, { strategy: 'z'.repeat(500) }));
    await ingest.flush();
    expect(await priceOf(good.id)).toBe(101);
    expect(await priceOf(badTs.id)).toBeNull();
    expect(await priceOf(badStrategy.id)).toBeNull();
    // The writer keeps working afterwards.
    ingest.status(badTs.id, ref, push(4));
    await ingest.flush();
    expect(await priceOf(badTs.id)).toBe(104);
  });
});
