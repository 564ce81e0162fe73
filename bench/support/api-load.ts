/**
 * Load generator for bench/api.ts, in its own process so it does not share the event loop with
 * the server it measures. Input (env JSON `LOAD`): the port, one client per user (its token and
 * agent ids), the number of concurrent clients, the duration and `cycleMs`. Each client loads
 * the agent list, then one agent's page data (detail, trades, candles, equity, profit, logs), one
 * request after another, and starts its next such view `cycleMs` after the last began (0: at
 * once, a saturating load). Output: one JSON line with the latencies (ms) by kind, the failures
 * and the requests answered per second.
 */
import http from 'node:http';

interface Client {
  token: string;
  agentIds: string[];
}
interface Load {
  port: number;
  clients: Client[];
  concurrency: number;
  durationMs: number;
  cycleMs: number;
}

const load: Load = JSON.parse(process.env.LOAD ?? '{}');
const agent = new http.Agent({ keepAlive: true, maxSockets: load.concurrency });

function get(path: string, token: string): Promise<{ ms: number; ok: boolean }> {
  const start = process.hrtime.bigint();
  const done = (ok: boolean) => ({ ms: Number(process.hrtime.bigint() - start) / 1e6, ok });
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port: load.port, method: 'GET', path, agent, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(done((res.statusCode ?? 500) === 200)));
      },
    );
    req.on('error', () => resolve(done(false)));
    req.end();
  });
}

const PAGE = ['', '/trades?pageSize=20', '/candles?limit=200', '/equity', '/profit', '/logs?limit=100'];
const latencies: { list: number[]; agent: number[] } = { list: [], agent: [] };
const byPart: Record<string, number[]> = {};
let failures = 0;
const started = Date.now();
const end = started + load.durationMs;

await Promise.all(
  Array.from({ length: load.concurrency }, async (_, c) => {
    const client = load.clients[c % load.clients.length]!;
    let turn = 0;
    // Spread the clients over the cycle so the offered load is smooth.
    await new Promise((r) => setTimeout(r, (c / load.concurrency) * load.cycleMs));
    let next = Date.now();
    while (Date.now() < end) {
      next += load.cycleMs;
      const list = await get('/api/v1/agents', client.token);
      latencies.list.push(list.ms);
      if (!list.ok) failures += 1;
      const id = client.agentIds[turn++ % client.agentIds.length];
      for (const part of PAGE) {
        const r = await get(`/api/v1/agents/${id}${part}`, client.token);
        latencies.agent.push(r.ms);
        (byPart[part] ??= []).push(r.ms);
        if (!r.ok) failures += 1;
      }
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }),
);
process.stdout.write(
  JSON.stringify({ latencies, byPart, failures, rps: (latencies.list.length + latencies.agent.length) / ((Date.now() - started) / 1000) }) +
    '\n',
);
agent.destroy();
