import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentDirectory } from '../../../src/hub/agents/agent-directory.js';
import { createPortAllocator } from '../../../src/hub/agents/port-allocator.js';
import { PortsExhaustedError } from '../../../src/hub/errors.js';
import { createUserService } from '../../../src/hub/users.js';
import type { Orm } from '../../../src/db/orm.js';
import { createTestOrm } from '../../support/db.js';
import { freePortRange } from '../../support/app-harness.js';

let orm: Orm;
let close: () => Promise<void>;
let agentIds: string[];

beforeAll(async () => {
  ({ orm, close } = await createTestOrm('ports'));
  const owner = (await createUserService({ orm, accessMode: 'open', adminIds: [] }).register(1, 'P')).user.id;
  const dir = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  agentIds = [];
  for (let i = 0; i < 60; i++) agentIds.push((await dir.create(owner, { name: `p${i}`, symbol: 'BTCUSDT', amountUsdt: 100 })).id);
});
afterAll(() => close?.());

async function portsInDb(): Promise<number[]> {
  const rows: Array<{ port: number }> = await orm.em
    .getConnection()
    .execute('select port from agents where port is not null order by port');
  return rows.map((r) => r.port);
}

describe('port allocator', () => {
  it('gives 50 concurrent creations 50 distinct ports, recorded on their rows', async () => {
    const ports = createPortAllocator({ orm, range: { from: 20_000, to: 20_099 }, checkHost: false });
    const got = await Promise.all(agentIds.slice(0, 50).map((id) => ports.allocate(id)));
    expect(new Set(got).size).toBe(50);
    expect(await portsInDb()).toEqual([...got].sort((a, b) => a - b));
    // Asking again for the same agent returns its port, not a second one.
    expect(await ports.allocate(agentIds[0])).toBe(got[0]);
  });

  it('never leaks: released ports come back, exhaustion allocates nothing', async () => {
    const ports = createPortAllocator({ orm, range: { from: 20_000, to: 20_049 }, checkHost: false });
    await Promise.all(agentIds.slice(0, 50).map((id) => ports.release(id)));
    expect(await portsInDb()).toEqual([]);
    await Promise.all(agentIds.slice(0, 50).map((id) => ports.allocate(id)));
    const results = await Promise.allSettled(agentIds.slice(50, 55).map((id) => ports.allocate(id)));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof PortsExhaustedError)).toBe(true);
    expect((await portsInDb()).length).toBe(50);
    await ports.release(agentIds[10]);
    const reused = await ports.allocate(agentIds[55]);
    expect(reused).toBeGreaterThanOrEqual(20_000);
    expect(new Set(await portsInDb()).size).toBe(50);
    await Promise.all(agentIds.map((id) => ports.release(id)));
  });

  it('skips ports another program holds on the host (process runtime)', async () => {
    const range = await freePortRange(3);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(range.from, '127.0.0.1', r));
    try {
      const ports = createPortAllocator({ orm, range, checkHost: true });
      expect(await ports.allocate(agentIds[0])).toBe(range.from + 1);
    } finally {
      blocker.close();
    }
  });
});
