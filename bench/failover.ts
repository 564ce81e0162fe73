/**
 * Leader failover of two hubs on one database (test/support/two-hubs.ts: two real hub processes,
 * the simulated market, a Bot API stand-in per hub, anvil for the chain outbox), on a throwaway
 * database (DATABASE_URL's server, or an embedded PostgreSQL when unset).
 *
 * Agents' orders stream to both hubs (each fill is an alert written by the hub that filled it);
 * the leader is killed with SIGKILL mid-stream; an order whose hub died is retried on the other
 * with the same idempotency key, as an agent with two hub URLs does.
 *
 * Prints `name=value` lines:
 *   failover_seconds        leader kill → first getUpdates by the new leader (goal ≤ 10)
 *   duplicate_sends         outbox rows that reached Telegram more than once (goal 0)
 *   lost_alerts             fills around the kill whose alert never reached Telegram (goal 0)
 *   lost_alerts_of_replayed_fills  of those, fills the dying leader committed (the agent's retry on
 *                          the other hub was answered as a replay) before writing their alert
 *   chain_duplicates        chain events beyond one per outbox row (goal 0)
 *   fills                   orders filled (and so alerts expected) during the run
 *   drained_seconds         leader kill → every alert sent and the chain outbox empty
 *   cross_replica_event_p99_ms  before the kill: agents' status pushes to the leader → a WebSocket
 *                          client of their owner on the follower (goal < 50); also _p50_ms, _sent,
 *                          _received (bench/support/cross-replica.ts)
 *
 * Env: BENCH_LEADER_RETRY_MS (1000), BENCH_AGENTS (4), BENCH_ORDERS_PER_SECOND (5),
 * BENCH_CROSS_AGENTS (20, each pushing 10 times a second), BENCH_CROSS_SECONDS (10).
 */
import { Contract, JsonRpcProvider, type EventLog } from 'ethers';
import { loadArtifact } from '../src/hub/chain/contracts.js';
import type { AppProcess } from '../test/support/app-process.js';
import { closeOrder, openOrder, startTwoHubs, type Replica, type TwoHubs } from '../test/support/two-hubs.js';
import { waitUntil } from '../test/support/wait.js';
import { benchDatabase } from './support/bench-db.js';
import { measureCrossReplica, type CrossReplicaResult } from './support/cross-replica.js';

const RETRY_MS = Number(process.env.BENCH_LEADER_RETRY_MS ?? 1000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 4);
const ORDERS_PER_SECOND = Number(process.env.BENCH_ORDERS_PER_SECOND ?? 5);
const CROSS_AGENTS = Number(process.env.BENCH_CROSS_AGENTS ?? 20);
const CROSS_SECONDS = Number(process.env.BENCH_CROSS_SECONDS ?? 10);

type Order = ReturnType<typeof openOrder> | ReturnType<typeof closeOrder>;

/** Streams orders round-robin over the agents, alternating hubs; returns the reasons of the orders filled (each in its alert). */
function streamOrders(agents: string[], hubs: () => AppProcess[]) {
  const holding = new Map<string, boolean>();
  const filled: string[] = [];
  /** Fills answered as replays by the survivor: the dead hub committed them (its alert may have died with it). */
  const replayed: string[] = [];
  let stopped = false;
  let n = 0;
  async function place(agentId: string, order: Order): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const live = hubs();
      const hub = live[(n + attempt) % live.length]!;
      try {
        const result = await hub.order(agentId, order);
        // A replay is a fill the dead hub made before it died: its alert counts too.
        filled.push(order.reason);
        if (result.replayed) replayed.push(order.reason);
        holding.set(agentId, order.action === 'open');
        return;
      } catch (error) {
        // A refused open (the new leader recorded the agent as crashed) is no fill, no alert.
        if (!/exited/.test(String(error))) return;
      }
    }
  }
  const done = (async () => {
    while (!stopped) {
      const agentId = agents[n % agents.length]!;
      await place(agentId, holding.get(agentId) ? closeOrder() : openOrder(n % 2 ? 'short' : 'long'));
      n++;
      await new Promise((r) => setTimeout(r, 1000 / ORDERS_PER_SECOND));
    }
  })();
  return {
    filled,
    replayed,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function chainEvents(cluster: TwoHubs): Promise<number> {
  const provider = new JsonRpcProvider(cluster.anvil.rpcUrl, 133, { staticNetwork: true });
  try {
    const logger = new Contract(cluster.addresses.tradeLogger, loadArtifact('TradeLogger').abi, provider);
    return ((await logger.queryFilter('TradeLogged', 0)) as EventLog[]).length;
  } finally {
    provider.destroy();
  }
}

/** Status pushes to `from` (the leader) seen by a WebSocket client on `to` (the follower). */
async function crossReplica(cluster: TwoHubs, from: AppProcess, to: AppProcess): Promise<CrossReplicaResult> {
  const ownerId = await from.register(8999, 'Bench watcher');
  const agents: { id: string; token: string }[] = [];
  for (let i = 0; i < CROSS_AGENTS; i++) {
    const { id } = await from.create(ownerId, { name: `cross-${i}`, symbol: 'BTCUSDT', amountUsdt: 100 });
    agents.push({ id, token: await from.agentToken(id) });
  }
  await cluster.sql(`update agents set status = 'running' where id = any($1)`, [agents.map((a) => a.id)]);
  const target = { pushBaseUrl: from.url, wsUrl: `${to.url.replace('http', 'ws')}/ws`, userToken: await to.userToken(ownerId), agents };
  const result = await measureCrossReplica(target, { seconds: CROSS_SECONDS });
  // Out of the way of the failover run: nothing supervises them, the new leader would record them as crashed.
  await cluster.sql(`update agents set status = 'stopped' where id = any($1)`, [agents.map((a) => a.id)]);
  return result;
}

async function run(cluster: TwoHubs): Promise<void> {
  const booted = await Promise.all([cluster.spawn('one'), cluster.spawn('two')]);
  const roles = await Promise.all(booted.map(async (r) => (await cluster.health(r.hub)).role));
  const [leader, follower]: Replica[] = roles[0] === 'leader' ? booted : [booted[1]!, booted[0]!];
  await waitUntil(() => leader.telegram.callsTo('getUpdates').length > 0, 10_000, 'the leader to poll');
  const cross = await crossReplica(cluster, leader.hub, follower.hub);
  const agents: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const ownerId = await leader.hub.register(8100 + i, `Bench ${i}`);
    agents.push((await leader.hub.create(ownerId, { name: `bench-${i}`, symbol: 'BTCUSDT', amountUsdt: 100 })).id);
  }
  await cluster.sql(`update agents set status = 'running' where id = any($1)`, [agents]);

  let alive = [leader.hub, follower.hub];
  const stream = streamOrders(agents, () => alive);
  await new Promise((r) => setTimeout(r, 3000));
  alive = [follower.hub];
  const killedAt = Date.now();
  await leader.hub.kill();
  await waitUntil(() => follower.telegram.callsTo('getUpdates').length > 0, 60_000, 'the follower to poll');
  const failoverSeconds = (follower.telegram.callsTo('getUpdates')[0]!.at - killedAt) / 1000;
  // The new leader recorded the agents as crashed (nothing runs them here): they run again.
  await waitUntil(async () => (await cluster.sql(`select 1 from agents where status = 'failed'`)).length === AGENTS, 30_000, 'reconcile');
  await cluster.sql(`update agents set status = 'running' where id = any($1)`, [agents]);
  await new Promise((r) => setTimeout(r, 3000));
  await stream.stop();
  await waitUntil(
    async () =>
      (
        await cluster.sql(
          `select 1 from outbound_messages where status <> 'sent' union all select 1 from chain_outbox where status <> 'sent'`,
        )
      ).length === 0,
    60_000,
    'every alert and chain entry to go out',
  );
  const drainedSeconds = (Date.now() - killedAt) / 1000;

  const rows = await cluster.sql<{ text: string }>(`select text from outbound_messages`);
  const sends = cluster.sends();
  const timesSent = rows.map((r) => ({ ...r, n: sends.filter((s) => s.text.includes(r.text)).length }));
  const chainRows = (await cluster.sql(`select 1 from chain_outbox`)).length;
  console.log(`failover_seconds=${failoverSeconds.toFixed(2)}`);
  console.log(`duplicate_sends=${timesSent.filter((r) => r.n > 1).length}`);
  const lost = stream.filled.filter((reason) => !sends.some((s) => s.text.includes(reason)));
  console.log(`lost_alerts=${lost.length}`);
  // Of those: fills the dying leader committed whose alert it had not yet written (replayed to the retry).
  console.log(`lost_alerts_of_replayed_fills=${lost.filter((reason) => stream.replayed.includes(reason)).length}`);
  console.log(`cross_replica_event_p99_ms=${cross.p99Ms.toFixed(2)}`);
  console.log(`cross_replica_event_p50_ms=${cross.p50Ms.toFixed(2)}`);
  console.log(`cross_replica_sent=${cross.sent}`);
  console.log(`cross_replica_received=${cross.received}`);
  console.log(`chain_duplicates=${(await chainEvents(cluster)) - chainRows}`);
  console.log(`fills=${stream.filled.length}`);
  console.log(`drained_seconds=${drainedSeconds.toFixed(2)}`);
}

const db = await benchDatabase('failover');
const cluster = await startTwoHubs(db.url, { leaderRetryMs: RETRY_MS });
try {
  await run(cluster);
} finally {
  await cluster.close();
  await db.close();
}
