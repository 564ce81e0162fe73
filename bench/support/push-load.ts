/**
 * Load generator for bench/push.ts, run in its own process so it does not share the event loop
 * with the server it measures. Input (env JSON `LOAD`): mode 'paced' (each agent pushes every
 * intervalMs) or 'saturate' (N connections push back to back). Output: one JSON line.
 */
import http from 'node:http';

interface Target {
  path: string;
  token: string;
}
interface Load {
  port: number;
  mode: 'paced' | 'saturate';
  targets: Target[];
  durationMs: number;
  intervalMs?: number;
  connections?: number;
}

const load: Load = JSON.parse(process.env.LOAD ?? '{}');
const agent = new http.Agent({ keepAlive: true, maxSockets: load.mode === 'saturate' ? load.connections : 256 });
let seq = 1;

function body(): string {
  seq += 1;
  return JSON.stringify({
    seq,
    state: 'running',
    price: 65_000 + (seq % 100),
    position: null,
    unrealizedPnl: 1.25,
    realizedPnl: 0,
    strategy: 'momentum',
    lastAction: 'hold: signal 0.12 below threshold 0.30',
    stale: false,
    simulated: true,
    ts: new Date().toISOString(),
  });
}

function push(target: Target): Promise<{ ms: number; ok: boolean }> {
  const payload = body();
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: load.port,
        method: 'POST',
        path: target.path,
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${target.token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, ok: (res.statusCode ?? 500) < 300 }));
      },
    );
    req.on('error', () => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, ok: false }));
    req.end(payload);
  });
}

async function paced(): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + load.durationMs;
  await Promise.all(
    load.targets.map(async (t, i) => {
      // Spread the agents over the interval so the offered load is smooth.
      await new Promise((r) => setTimeout(r, (i / load.targets.length) * load.intervalMs!));
      let next = Date.now();
      while (Date.now() < end) {
        const r = await push(t);
        latencies.push(r.ms);
        if (!r.ok) errors += 1;
        next += load.intervalMs!;
        const wait = next - Date.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      }
    }),
  );
  process.stdout.write(JSON.stringify({ latencies, errors, seconds: load.durationMs / 1000 }) + '\n');
}

async function saturate(): Promise<void> {
  let done = 0;
  let errors = 0;
  const started = Date.now();
  const end = started + load.durationMs;
  await Promise.all(
    Array.from({ length: load.connections! }, async (_, c) => {
      let i = c;
      while (Date.now() < end) {
        const r = await push(load.targets[i % load.targets.length]);
        i += load.connections!;
        if (r.ok) done += 1;
        else errors += 1;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ rps: done / seconds, errors, seconds }) + '\n');
}

await (load.mode === 'paced' ? paced() : saturate());
agent.destroy();
