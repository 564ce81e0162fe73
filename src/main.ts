/**
 * Process entry point: read the environment, start the app, stop it on SIGINT/SIGTERM.
 * Everything else is built in src/app.ts.
 */
import { startApp } from './app.js';
import { ConfigError, parseConfig } from './config.js';
import { EmbeddedPostgresError } from './db/embedded-postgres.js';
import { resolveDevSecrets } from './dev-secrets.js';
import { createLogger, SecretRegistry } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const secrets = new SecretRegistry();
  // Readable lines in a terminal, JSON lines for log collectors (pipes, files, docker logs).
  const logger = createLogger({ level: config.logLevel, secrets, pretty: process.stdout.isTTY === true });
  const resolved = resolveDevSecrets(config, logger);
  secrets.add(
    resolved.internalSecret,
    resolved.jwtSecret,
    resolved.encryptionKey,
    resolved.telegram.botToken,
    resolved.telegram.webhookSecret,
    resolved.market.twelveDataApiKey,
    resolved.market.cmcApiKey,
    resolved.llm.openaiApiKey,
    resolved.llm.anthropicApiKey,
    resolved.llm.deepseekApiKey,
    resolved.llm.geminiApiKey,
    resolved.hashkey.apiKey,
    resolved.hashkey.secret,
    resolved.chain.privateKey,
    resolved.metrics.token,
  );

  // Signals are handled from the start: /health answers as soon as HTTP listens, before the hub
  // has finished starting, and a SIGTERM then must still stop the app cleanly, not kill it.
  const starting = startApp(resolved, { logger, secrets }).catch((error: unknown) => {
    if (error instanceof EmbeddedPostgresError) {
      // Says what, where and how to fix it: a stack would only hide that.
      process.stderr.write(`Artic failed to start: ${error.message}\n`);
    } else {
      logger.fatal({ err: error }, 'Artic failed to start');
    }
    process.exit(1);
  });

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    const started = Date.now();
    void starting
      .then((app) => app.stop(10_000))
      .then(() => {
        logger.info({ ms: Date.now() - started }, 'stopped cleanly');
        process.exit(0);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

void main();
