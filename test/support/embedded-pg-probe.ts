/**
 * Starts and stops the embedded PostgreSQL in the data directory given as argv[2], printing one
 * JSON line. Run as another OS user by test/db/embedded-postgres.test.ts (`runuser`).
 */
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port: Number(process.argv[3]) });
const client = new pg.Client({ connectionString: server.url });
await client.connect();
const { rows } = await client.query('select 41 + 1 as answer');
await client.end();
await server.stop();
process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), answer: rows[0].answer })}\n`);
