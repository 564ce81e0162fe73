/**
 * Logs through `createLogger` (readable lines when argv[2] is `pretty`) and exits: one line with
 * a field, one holding a registered secret. Run in a child process by test/logger.test.ts, since
 * pino-pretty writes to the process's own stdout from a worker thread.
 */
import { createLogger, SecretRegistry } from '../../src/logger.js';

const secrets = new SecretRegistry();
secrets.add('probe-secret-value-123');
const logger = createLogger({ level: 'info', secrets, pretty: process.argv[2] === 'pretty' });
logger.info({ symbol: 'BTCUSDT' }, 'hello from the probe');
logger.warn('token probe-secret-value-123 must not show');
