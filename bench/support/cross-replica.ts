/**
 * How long a hub event takes from one replica to a client of another: agents push status to hub A
 * (`POST /internal/agents/:id/status`), one WebSocket client of their owner listens on hub B, and
 * each push's `lastAction` carries its id so its arrival on B is matched to its send time. Works
 * on any two hub URLs (in-process apps or separate processes), so bench:failover can call it too.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface CrossReplicaTarget {
  /** Base URL of the hub agents push to (replica A), e.g. `http://127.0.0.1:9000`. */
  pushBaseUrl: string;
  /** WebSocket URL of the other hub (replica B), e.g. `ws://127.0.0.1:9001/ws`. */
  wsUrl: string;
  /** A user token of the agents' owner (valid on B). */
  userToken: string;
  /** The owner's agents and their agent tokens (valid on A). */
  agents: { id: string; token: string }[];
}

export interface CrossReplicaOptions {
  /** Measured run, seconds (default 10); a 1 s warm-up runs first. */
  seconds?: number;
  /** Each agent pushes every this many ms (default 100: 10 pushes a second, as agents do). */
  intervalMs?: number;
}

export interface CrossReplicaResult {
  /** Push accepted on A → event on B's WebSocket, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Pushes A accepted during the measured run. */
  sent: number;
  /** Push posted to A → A's 202, p50, ms (what the crossing adds is the rest). */
  pushP50Ms: number;
  /** Of those, how many reached B's client within 5 s of the end. */
  received: number;
  pushErrors: number;
}

/** Percentile of an unsorted sample (nearest rank). */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function openStream(target: CrossReplicaTarget, onAction: (action: string) => void): Promise<WebSocket> {
  const ws = new WebSocket(target.wsUrl, { headers: { authorization: `Bearer ${target.userToken}` } });
  ws.on('message', (raw) => {
    const message = JSON.parse((raw as Buffer).toString('utf8')) as { type: string; data?: { status?: { lastAction?: string } } };
    const action = message.type === 'agent.status' ? message.data?.status?.lastAction : undefined;
    if (action) onAction(action);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve()); // hello
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`stream closed: ${code}`)));
  });
  return ws;
}

export async function measureCrossReplica(target: CrossReplicaTarget, options: CrossReplicaOptions = {}): Promise<CrossReplicaResult> {
  const seconds = options.seconds ?? 10;
  const intervalMs = options.intervalMs ?? 100;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const pushLatencies: number[] = [];
  let measuring = false;
  const ws = await openStream(target, (action) => {
    const at = sentAt.get(action);
    if (at === undefined) return;
    sentAt.delete(action);
    latencies.push(performance.now() - at);
  });
  const seqs = target.agents.map(() => 0);
  let sent = 0;
  let pushErrors = 0;

  async function push(i: number): Promise<void> {
    const agent = target.agents[i]!;
    const seq = ++seqs[i]!;
    const action = `bench ${i} ${seq}`;
    const body = {
      seq,
      state: 'running',
      price: 100 + (seq % 10),
      position: null,
      unrealizedPnl: 0,
      realizedPnl: 0,
      strategy: 'momentum',
      lastAction: action,
      stale: false,
      simulated: true,
      ts: new Date().toISOString(),
    };
    const started = performance.now();
    if (measuring) sentAt.set(action, started);
    try {
      const res = await fetch(`${target.pushBaseUrl}/internal/agents/${agent.id}/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`status ${res.status}`);
      if (measuring) {
        sent++;
        pushLatencies.push(performance.now() - started);
      }
    } catch {
      sentAt.delete(action);
      pushErrors++;
    }
  }

  async function run(durationMs: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const end = performance.now() + durationMs;
    // Each agent on its own phase within the interval, as independent agents would be.
    for (let tick = 0; performance.now() < end; tick++) {
      const tickStart = performance.now();
      target.agents.forEach((_, i) => {
        const delay = (i * intervalMs) / target.agents.length;
        const p = new Promise<void>((resolve) => setTimeout(() => void push(i).finally(resolve), delay));
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - tickStart))));
    }
    await Promise.all(inFlight);
  }

  await run(1000);
  measuring = true;
  await run(seconds * 1000);
  measuring = false;
  const deadline = Date.now() + 5000;
  while (sentAt.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  ws.close();
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : NaN,
    sent,
    pushP50Ms: percentile(pushLatencies, 50),
    received: latencies.length,
    pushErrors,
  };
}
