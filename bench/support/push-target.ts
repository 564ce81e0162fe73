/**
 * The agent push path as bench:push and bench:push-backtest measure it: the real HTTP routes and
 * ingest on PostgreSQL (agent-token auth, schema validation, persistence on) with `agents`
 * agents, and a load generator in a separate process (./push-load.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { initOrm, type Orm } from '../../src/db/orm.js';
import { createAgentDirectory } from '../../src/hub/agents/agent-directory.js';
import { createAgentIngest, type AgentIngest } from '../../src/hub/agents/ingest.js';
import { createAgentCredentials } from '../../src/hub/auth/agent-credentials.js';
import { createTokenService } from '../../src/hub/auth/tokens.js';
import { HubEvents } from '../../src/hub/events.js';
import { createUserService } from '../../src/hub/users.js';
import { internalAgentRoutes } from '../../src/http/routes/internal-agents.js';
import { createLogger } from '../../src/logger.js';
import { buildTestHttpServer } from '../../test/support/internal-server.js';
import { benchDatabase } from './bench-db.js';

const run = promisify(execFile);

export interface PushTarget {
  port: number;
  targets: Array<{ path: string; token: string }>;
  orm: Orm;
  ingest: AgentIngest;
  close(): Promise<void>;
}

/** Runs the load generator with `load` (see ./push-load.ts) and returns its JSON answer. */
export async function generate(load: object): Promise<any> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL('./push-load.ts', import.meta.url).pathname], {
    env: { ...process.env, LOAD: JSON.stringify(load) },
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

export async function startPushTarget(name: string, agents: number): Promise<PushTarget> {
  const db = await benchDatabase(name);
  const orm = await initOrm(db.url);
  const logger = createLogger({ level: 'warn' });
  const tokens = createTokenService({
    internalSecret: 'bench-internal-secret-0123456789abcdef',
    jwtSecret: 'bench-jwt-secret-0123456789abcdef',
  });
  const events = new HubEvents();
  const users = createUserService({ orm, accessMode: 'open', adminIds: [] });
  const directory = createAgentDirectory({ orm, limits: { maxLeverage: 20 } });
  const ingest = createAgentIngest({ orm, events, logger });
  const { user } = await users.register(42, 'bench');
  const targets: Array<{ path: string; token: string }> = [];
  for (let i = 0; i < agents; i++) {
    const agent = await directory.create(user.id, { name: `bench-${i}`, symbol: 'BTCUSDT', amountUsdt: 100 });
    targets.push({ path: `/internal/agents/${agent.id}/status`, token: await tokens.mintAgentToken(agent.id) });
  }
  const app = await buildTestHttpServer(
    [{ plugin: internalAgentRoutes, options: { agentAuth: createAgentCredentials({ orm, tokens }), directory, ingest } }],
    logger,
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return {
    port,
    targets,
    orm,
    ingest,
    async close() {
      await app.close();
      await orm.close(true);
      await db.close();
    },
  };
}
