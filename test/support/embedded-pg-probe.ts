/**
 * Starts and stops the embedded PostgreSQL in the data directory given as argv[2] (port argv[3],
 * programs from argv[4] when given), printing one JSON line: the answer to a query, or the
 * error's name and message. Run as another OS user by test/db/embedded-postgres.test.ts.
 */
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.argv[3]), nativeDir: process.argv[4] }).catch(
  (error: Error) => {
    process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), error: `${error.name}: ${error.message}` })}\n`);
    process.exit(0);
  },
);
const client = new pg.Client({ connectionString: server.url });
await client.connect();
const { rows } = await client.query('select 41 + 1 as answer');
await client.end();
await server.stop();
process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), answer: rows[0].answer })}\n`);
