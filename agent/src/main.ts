/**
 * The agent program's entry point (bundled into dist/agent/agent.mjs): reads the environment,
 * serves the hub's endpoints, and on SIGTERM/SIGINT stops the session (bounded, ~5 s) and exits 0.
 */
import { createAgentController } from './agent-controller.js';
import { createAgentLog, errorMessage, safeUrl } from './agent-log.js';
import { readAgentEnv } from './env.js';
import { createAgentServer } from './server.js';
import { AGENT_VERSION } from './version.js';

const SHUTDOWN_MS = 5_000;

async function main(): Promise<void> {
  let env;
  try {
    env = readAgentEnv(process.env);
  } catch (err) {
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: errorMessage(err) }) + '\n');
    process.exit(1);
  }
  const log = createAgentLog({ agentId: env.agentId });
  const controller = createAgentController({ agentId: env.agentId, token: env.token, defaultHubUrls: env.hubUrls, log });
  const server = createAgentServer({ controller, token: env.token, log });

  process.on('unhandledRejection', (reason) => log.error(`unhandled rejection: ${errorMessage(reason)}`));
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info(`${signal}: shutting down`);
    const hardExit = setTimeout(() => process.exit(0), SHUTDOWN_MS + 1_000);
    hardExit.unref();
    controller
      .shutdown(SHUTDOWN_MS)
      .catch((err: unknown) => log.error(`shutdown: ${errorMessage(err)}`))
      .then(() => server.close())
      .catch((err: unknown) => log.error(`shutdown: closing the server: ${errorMessage(err)}`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const addr = await server.listen(env.port, env.host);
  log.info(
    `agent ${AGENT_VERSION} listening on ${addr.address}:${addr.port}${env.hubUrls.length ? `, hub ${env.hubUrls.map(safeUrl).join(' | ')}` : ''}`,
  );
}

main().catch((err: unknown) => {
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: `agent failed: ${errorMessage(err)}` }) + '\n',
  );
  process.exit(1);
});
