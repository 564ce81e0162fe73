/**
 * One "hub replica" of the cross-process port race (test/hub/agents/port-race.test.ts): its own
 * ORM on the shared database, a port allocator, and on "go" (a line on stdin) one allocation per
 * agent id, all at once. Prints one JSON line: the ports got and the errors met.
 *
 * Environment: DATABASE_URL, PORT_RANGE (`from-to`), AGENT_IDS (comma-separated).
 */
import { createInterface } from 'node:readline';
import { initOrm } from '../../src/db/orm.js';
import { createPortAllocator } from '../../src/hub/agents/port-allocator.js';

const [from, to] = (process.env.PORT_RANGE ?? '').split('-').map(Number);
const ids = (process.env.AGENT_IDS ?? '').split(',').filter(Boolean);
const orm = await initOrm(process.env.DATABASE_URL!);
const ports = createPortAllocator({ orm, range: { from: from!, to: to! }, checkHost: false });

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;

const results = await Promise.allSettled(ids.map((id) => ports.allocate(id)));
const got = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
const errors = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message).slice(0, 200)] : []));
process.stdout.write(JSON.stringify({ ports: got, errors }) + '\n');
await orm.close(true);
process.exit(0);
