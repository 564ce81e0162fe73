/**
 * Chain logger benchmark: a real anvil node (chain 133) and a private PostgreSQL database
 * (a throwaway database on DATABASE_URL's server, dropped afterwards; or an embedded server in
 * a temp dir when DATABASE_URL is unset). Deploys the loggers, enqueues 1,000 entries (500
 * decisions + 500 trades) ALL AT ONCE from 20 concurrent transactions, drains them with one
 * ChainLogger, reads every event back and prints `name=value` lines:
 *   chain_confirmed_per_s=<entries confirmed per second, first enqueue → last confirmation>
 *   chain_outbox_lag_max_ms=<max time from enqueue to sent>
 *   chain_outbox_lag_p50_ms=<median of the same>
 *   chain_lost=<entries not on chain exactly once, plus events matching no entry; must be 0>
 * and, for comparison, the same worker with one row per pass (strictly sequential: sign,
 * store, broadcast, receipt, settle):
 *   chain_sequential_confirmed_per_s=<…> over 200 entries
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Contract, Wallet, type EventLog } from 'ethers';
import pg from 'pg';
import pino from 'pino';

import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { createChainLogger, type ChainEntrySent } from '../src/hub/chain/chain-logger.js';
import { createChainSender } from '../src/hub/chain/chain-sender.js';
import { deployLoggers, loadArtifact, type LoggerAddresses } from '../src/hub/chain/contracts.js';
import { hashText, sessionIdFor, type DecisionRecord, type TradeRecord } from '../src/hub/chain/encoding.js';
import { enqueueChainEntry } from '../src/hub/chain/outbox.js';
import { connectProvider } from '../src/hub/chain/rpc.js';
import { startAnvil } from '../test/support/anvil.js';
import { freePort } from '../test/support/ports.js';

const ENTRIES = 1_000;
const TRANSACTIONS = 20;
const SEQUENTIAL_ENTRIES = 200;

function decision(agent: string, i: number): DecisionRecord {
  return {
    agentId: agent,
    symbol: ['BTCUSDT', 'ETHUSDT'][i % 2],
    action: (['HOLD', 'OPEN_LONG', 'CLOSE'] as const)[i % 3],
    strategyIndex: i % 12,
    confidence: (i % 100) / 100,
    pnlPct: (i % 41) - 20.5,
    reasoningHash: hashText(`${agent} reasoning ${i}`),
  };
}

function trade(agent: string, i: number): TradeRecord {
  return {
    agentId: agent,
    symbol: 'BTCUSDT',
    side: i % 2 ? 'CLOSE_LONG' : 'OPEN_LONG',
    entryPrice: 64_000 + i / 100,
    exitPrice: i % 2 ? `${65_000 + i}.5` : null,
    pnlPct: i % 2 ? 1.25 : 0,
    detailHash: hashText(`${agent} trade ${i}`),
  };
}

interface Database {
  url: string;
  drop(): Promise<void>;
}

async function privateDatabase(): Promise<Database> {
  const base = process.env.DATABASE_URL;
  if (base) {
    const name = `artic_bench_chain_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database "${name}"`).finally(() => admin.end());
    const url = new URL(base);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: base });
        await c.connect();
        await c.query(`drop database if exists "${name}" with (force)`).finally(() => c.end());
      },
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'artic-bench-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: 'artic_bench' });
  return {
    url: server.url,
    async drop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface RunResult {
  confirmedPerS: number;
  lagMaxMs: number;
  lagP50Ms: number;
  lost: number;
}

/** Enqueues `count` entries for `agent` at once, drains them, and checks the chain. */
async function run(
  orm: Orm,
  options: { rpcUrl: string; privateKey: string; addresses: LoggerAddresses; agent: string; count: number; batchSize: number },
): Promise<RunResult> {
  const { agent, count } = options;
  const sender = createChainSender({
    rpcUrl: options.rpcUrl,
    privateKey: options.privateKey,
    decisionLoggerAddress: options.addresses.decisionLogger,
    tradeLoggerAddress: options.addresses.tradeLogger,
    chainId: 133,
    pollingIntervalMs: 20,
  });
  const logger = createChainLogger({ orm, sender, logger: pino({ level: 'warn' }), batchSize: options.batchSize, pollIntervalMs: 1_000 });
  const sent: ChainEntrySent[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  logger.onSent((e) => {
    sent.push(e);
    if (sent.length === count) resolveDone();
  });
  await logger.start();

  const t0 = Date.now();
  const perTx = Math.ceil(count / TRANSACTIONS);
  await Promise.all(
    Array.from({ length: TRANSACTIONS }, (_, t) =>
      orm.em.fork().transactional(async (em) => {
        for (let i = t * perTx; i < Math.min(count, (t + 1) * perTx); i++) {
          if (i % 2 === 0) await enqueueChainEntry(em, 'decision', decision(agent, i));
          else await enqueueChainEntry(em, 'trade', trade(agent, i));
        }
      }),
    ),
  );
  logger.wake();
  const timeout = setTimeout(() => resolveDone(), 600_000);
  await done;
  clearTimeout(timeout);
  const elapsedS = (Date.now() - t0) / 1000;
  await logger.stop();
  sender.close();

  // Read every event back and match it to the outbox rows.
  const provider = await connectProvider(options.rpcUrl, { chainId: 133 });
  const session = sessionIdFor(agent);
  const dl = new Contract(options.addresses.decisionLogger, loadArtifact('DecisionLogger').abi, provider);
  const tl = new Contract(options.addresses.tradeLogger, loadArtifact('TradeLogger').abi, provider);
  const events = [
    ...((await dl.queryFilter(dl.filters.DecisionLogged(session), 0)) as EventLog[]),
    ...((await tl.queryFilter(tl.filters.TradeLogged(session), 0)) as EventLog[]),
  ];
  provider.destroy();
  const rows = (await orm.em
    .fork()
    .getConnection()
    .execute(
      `select id, status, tx_hash, coalesce(payload->>'reasoningHash', payload->>'detailHash') as hash
         from chain_outbox where payload->>'agentId' = ?`,
      [agent],
    )) as Array<{ id: string; status: string; tx_hash: string | null; hash: string }>;
  const perHash = new Map<string, EventLog[]>();
  for (const ev of events) {
    const hash = String(ev.args[6]);
    perHash.set(hash, [...(perHash.get(hash) ?? []), ev]);
  }
  let lost = Math.max(0, count - rows.length);
  const known = new Set<string>();
  for (const row of rows) {
    known.add(row.hash);
    const matches = perHash.get(row.hash) ?? [];
    if (row.status !== 'sent' || matches.length !== 1 || matches[0].transactionHash !== row.tx_hash) lost++;
  }
  for (const hash of perHash.keys()) if (!known.has(hash)) lost++;

  const lags = sent.map((e) => e.latencyMs).sort((a, b) => a - b);
  return {
    confirmedPerS: sent.length / elapsedS,
    lagMaxMs: lags.at(-1) ?? NaN,
    lagP50Ms: lags[Math.floor(lags.length / 2)] ?? NaN,
    lost,
  };
}

async function main(): Promise<void> {
  const anvil = await startAnvil({ chainId: 133 });
  const db = await privateDatabase();
  let orm: Orm | undefined;
  try {
    orm = await initOrm(db.url);
    const provider = await connectProvider(anvil.rpcUrl, { chainId: 133 });
    const addresses = await deployLoggers(new Wallet(anvil.privateKeys[0], provider));
    provider.destroy();
    const common = { rpcUrl: anvil.rpcUrl, privateKey: anvil.privateKeys[0], addresses };

    const main = await run(orm, { ...common, agent: 'bench-burst', count: ENTRIES, batchSize: 50 });
    const sequential = await run(orm, { ...common, agent: 'bench-sequential', count: SEQUENTIAL_ENTRIES, batchSize: 1 });

    const lines = [
      `chain_entries=${ENTRIES}`,
      'chain_enqueue_mode=burst',
      'chain_batch_size=50',
      `chain_confirmed_per_s=${main.confirmedPerS.toFixed(1)}`,
      `chain_outbox_lag_max_ms=${Math.round(main.lagMaxMs)}`,
      `chain_outbox_lag_p50_ms=${Math.round(main.lagP50Ms)}`,
      `chain_lost=${main.lost + sequential.lost}`,
      `chain_sequential_entries=${SEQUENTIAL_ENTRIES}`,
      `chain_sequential_confirmed_per_s=${sequential.confirmedPerS.toFixed(1)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (main.lost + sequential.lost !== 0) process.exitCode = 1;
  } finally {
    await orm?.close(true);
    await db.drop();
    await anvil.stop();
  }
}

await main();
