/**
 * Alert delivery under load: N alerts to N different chats through the REAL outbound queue
 * (real timers, real 25 messages/s limit, persisted outbox) against the local Bot API stand-in,
 * on a throwaway database (DATABASE_URL's server, or an embedded PostgreSQL when unset).
 * Some chats are answered 429 once (retry_after 1–3 s) to show a flood wait loses nothing.
 *
 * Prints `name=value` lines:
 *   alerts_seconds          first enqueue → last delivery, real seconds (floor: N / 25 ≈ 40 s for 1000)
 *   alerts_lost             enqueued alerts the stand-in never received (must be 0)
 *   alerts_duplicated       alerts received more than once (should be 0)
 *   alerts_429              429 answers injected and honoured
 *   max_sends_per_second    most sendMessage calls the stand-in saw arrive in any sliding second
 *   max_dispatched_per_second  most sends the queue started in any sliding second (≤ 25)
 *   enqueue_total_ms        time to enqueue all N (what an alert burst costs the trading path)
 *   outbox_pending          rows still pending in outbound_messages afterwards (must be 0)
 *
 * Env: BENCH_ALERTS (1000), BENCH_FLOODS (10), BENCH_LATENCY_MS (stand-in latency, 20).
 */
import { Api } from 'grammy';
import { performance } from 'node:perf_hooks';
import { createOutboundQueue } from '../src/bot/outbound-queue.js';
import { initOrm } from '../src/db/orm.js';
import { createOutboxStore } from '../src/hub/alerts/outbox-store.js';
import { startBotApiServer } from '../test/support/bot-api-server.js';
import { benchDatabase } from './support/bench-db.js';

const N = Number(process.env.BENCH_ALERTS ?? 1000);
const FLOODS = Number(process.env.BENCH_FLOODS ?? 10);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const FIRST_CHAT = 100_000;

/** Most timestamps (ms) in any sliding 1000 ms window. */
function maxInAnySecond(times: number[]): number {
  const at = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i]! - at[j]! >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

async function main(): Promise<void> {
  const db = await benchDatabase('alerts');
  const orm = await initOrm(db.url);
  const server = await startBotApiServer({ latencyMs: LATENCY_MS, now: () => performance.now() });
  try {
    const store = createOutboxStore({ orm });
    const api = new Api('1:bench', { apiRoot: server.apiRoot });
    const dispatchedAt: number[] = [];
    const queue = createOutboundQueue({
      store,
      api: {
        sendMessage: (...args) => {
          dispatchedAt.push(performance.now());
          return api.sendMessage(...args);
        },
      },
    });
    // Spread the floods over the run: every (N / FLOODS)-th chat is answered 429 once.
    for (let i = 0; i < FLOODS; i++) {
      const chat = FIRST_CHAT + Math.floor(((i + 0.5) * N) / FLOODS);
      server.failNext({ code: 429, retryAfter: 1 + (i % 3), chatId: chat });
    }
    await queue.start();

    const started = performance.now();
    const enqueued = Array.from({ length: N }, (_, i) =>
      queue.enqueue({ chatId: FIRST_CHAT + i, text: `📈 <b>agent-${i}</b> opened 🟢 LONG BTCUSDT #${i}`, eventType: 'trade.opened' }),
    );
    const enqueueMs = performance.now() - started;
    await Promise.all(enqueued);

    const deadline = started + Math.max(120_000, (N / 25) * 3000);
    while (queue.stats().waiting > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await queue.settled();
    const ok = server.succeeded('sendMessage');
    const finished = ok.length ? Math.max(...ok.map((c) => c.at)) : performance.now();
    await queue.stop();

    const received = new Map<string, number>();
    for (const c of ok) {
      const m = /#(\d+)/.exec(String(c.payload.text));
      if (m && c.chatId === String(FIRST_CHAT + Number(m[1]))) received.set(m[1]!, (received.get(m[1]!) ?? 0) + 1);
    }
    const lost = N - received.size;
    const duplicated = [...received.values()].filter((n) => n > 1).length;
    const maxPerSecond = maxInAnySecond(server.callsTo('sendMessage').map((c) => c.at));
    const maxDispatchedPerSecond = maxInAnySecond(dispatchedAt);
    const counts = await store.counts();

    console.log(`alerts=${N}`);
    console.log(`alerts_seconds=${((finished - started) / 1000).toFixed(2)}`);
    console.log(`alerts_lost=${lost}`);
    console.log(`alerts_duplicated=${duplicated}`);
    console.log(`alerts_429=${server.callsTo('sendMessage').filter((c) => c.status === 429).length}`);
    console.log(`max_sends_per_second=${maxPerSecond}`);
    console.log(`max_dispatched_per_second=${maxDispatchedPerSecond}`);
    console.log(`enqueue_total_ms=${enqueueMs.toFixed(1)}`);
    console.log(`outbox_pending=${counts.pending}`);
    console.log(`outbox_sent=${counts.sent}`);
    if (lost > 0) process.exitCode = 1;
  } finally {
    await server.close();
    await orm.close(true);
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
