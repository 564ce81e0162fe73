/**
 * The real app as a child process, for tests that must kill the hub for real (SIGKILL, as the
 * OOM killer does). It boots like src/main.ts (parseConfig(process.env) → dev secrets → pino on
 * stdout → startApp) and then takes a few commands over the IPC channel, because the product's
 * only other door (the Telegram bot) is not what these tests are about. Hub events go back to
 * the parent as they happen. Driven by test/support/app-process.ts.
 */
import { startApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { resolveDevSecrets } from '../../src/dev-secrets.js';
import { createLogger, SecretRegistry } from '../../src/logger.js';
import type { AppCommand, ChildMessage } from './app-process.js';

const send = (message: ChildMessage) => process.send?.(message);

const secrets = new SecretRegistry();
const config = parseConfig(process.env);
const logger = createLogger({ level: config.logLevel, secrets });
const app = await startApp(resolveDevSecrets(config, logger), { logger, secrets });
app.hub.events.onAny((name, data) => send({ type: 'event', name, data }));

async function run(command: AppCommand): Promise<unknown> {
  switch (command.op) {
    case 'register':
      return (await app.hub.users.register(command.telegramId, command.name)).user.id;
    case 'create':
      return app.hub.agents.create(command.ownerId, command.input);
    case 'start':
      return app.hub.lifecycle.start(command.ownerId, command.agentId);
    case 'stop':
      return app.hub.lifecycle.stop(command.ownerId, command.agentId, { reason: command.reason });
    case 'order':
      return app.hub.broker.execute(command.agentId, command.order);
    case 'agentToken':
      return app.hub.agentAuth.issue(command.agentId);
    case 'userToken':
      return app.hub.userTokens.issue(command.ownerId);
  }
}

process.on('message', (message: { id: number; command: AppCommand }) => {
  run(message.command).then(
    (result) => send({ type: 'result', id: message.id, result }),
    (error: Error) => send({ type: 'result', id: message.id, error: `${error.name}: ${error.message}` }),
  );
});
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
send({ type: 'ready', url: app.url });
