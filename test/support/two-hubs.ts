/**
 * Two real hub processes on one PostgreSQL database (test/e2e/two-hubs.process.test.ts and
 * `npm run bench:failover`): the simulated market, a Bot API stand-in per hub (same bot token,
 * so which hub polls Telegram is seen at its own stand-in), and an anvil node with the logger
 * contracts for the chain outbox. The hubs share every secret, as replicas must. Traffic stays on
 * 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { JsonRpcProvider, Wallet } from 'ethers';
import pg from 'pg';
import { deployLoggers, type LoggerAddresses } from '../../src/hub/chain/contracts.js';
import { startAnvil, type AnvilHandle } from './anvil.js';
import { spawnAppProcess, type AppProcess } from './app-process.js';
import { fieldText, startBotApiServer, type BotApiServer } from './bot-api-server.js';
import { freePort, freePortRange } from './ports.js';

const BOT_TOKEN = '123456:two-hubs-test-token';

export interface Replica {
  name: string;
  hub: AppProcess;
  telegram: BotApiServer;
}

export interface TwoHubs {
  anvil: AnvilHandle;
  addresses: LoggerAddresses;
  /** The Bot API stand-ins, one per replica name. */
  telegram: Record<string, BotApiServer>;
  /** Starts hub `name` (its stand-in is created on first use); resolves once it is up. */
  spawn(name: string): Promise<Replica>;
  /** `/health` of a hub. */
  health(hub: AppProcess): Promise<{ role: 'leader' | 'follower'; replica: string }>;
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  /** Successful sendMessage calls at every stand-in, with the text sent. */
  sends(): Array<{ at: number; chatId: string; text: string; replica: string }>;
  close(): Promise<void>;
}

/** Secrets every replica shares (tokens and the vault must read the same everywhere). */
const SHARED_SECRETS = {
  INTERNAL_SECRET: 'two-hubs-internal-secret-0123456789abcdef',
  JWT_SECRET: 'two-hubs-jwt-secret-0123456789abcdef012345',
  ENCRYPTION_KEY: '3f'.repeat(32),
};

export async function startTwoHubs(databaseUrl: string, options: { leaderRetryMs?: number } = {}): Promise<TwoHubs> {
  const anvil = await startAnvil({ chainId: 133 });
  const provider = new JsonRpcProvider(anvil.rpcUrl, 133, { staticNetwork: true });
  // The hubs' signer owns the loggers (only the owner may log).
  const addresses = await deployLoggers(new Wallet(anvil.privateKeys[0]!, provider));
  provider.destroy();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const telegram: Record<string, BotApiServer> = {};
  const dirs: string[] = [];
  const hubs: AppProcess[] = [];
  const range = await freePortRange(8);

  async function spawn(name: string): Promise<Replica> {
    telegram[name] ??= await startBotApiServer({ token: BOT_TOKEN });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `artic-${name}-`));
    dirs.push(dataDir);
    const hub = await spawnAppProcess({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...SHARED_SECRETS,
      HUB_REPLICA_ID: name,
      LEADER_RETRY_MS: String(options.leaderRetryMs ?? 1000),
      MARKET_DATA: 'simulated',
      AGENT_RUNTIME: 'process',
      AGENT_PORT_RANGE: `${range.from}-${range.to}`,
      AGENT_RESTART_ON_CRASH: 'false',
      ACCESS_MODE: 'open',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: telegram[name].apiRoot,
      HSK_RPC_URL: anvil.rpcUrl,
      HSK_PRIVATE_KEY: anvil.privateKeys[0]!,
      HSK_CHAIN_ID: '133',
      DECISION_LOGGER_ADDRESS: addresses.decisionLogger,
      TRADE_LOGGER_ADDRESS: addresses.tradeLogger,
    });
    hubs.push(hub);
    return { name, hub, telegram: telegram[name] };
  }

  return {
    anvil,
    addresses,
    telegram,
    spawn,
    async health(hub) {
      const res = await fetch(`${hub.url}/health`);
      return (await res.json()) as { role: 'leader' | 'follower'; replica: string };
    },
    async sql(query, params = []) {
      return (await db.query(query, params)).rows;
    },
    sends: () =>
      Object.entries(telegram).flatMap(([replica, server]) =>
        server.succeeded('sendMessage').map((c) => ({ at: c.at, chatId: c.chatId ?? '', text: fieldText(c.payload.text), replica })),
      ),
    async close() {
      for (const hub of hubs) await hub.kill().catch(() => undefined);
      await db.end().catch(() => undefined);
      for (const server of Object.values(telegram)) await server.close().catch(() => undefined);
      await anvil.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A paper open (the hub fills it at the simulated price); its reason, in the alert, names it uniquely. */
export function openOrder(side: 'long' | 'short' = 'long') {
  const idempotencyKey = randomUUID();
  return { idempotencyKey, action: 'open' as const, side, amountUsdt: 50, reason: `signal ${idempotencyKey}` };
}

/** A paper close of whatever the agent holds; its reason, in the alert, names it uniquely. */
export function closeOrder() {
  const idempotencyKey = randomUUID();
  return { idempotencyKey, action: 'close' as const, reason: `close ${idempotencyKey}` };
}
