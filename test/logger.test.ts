import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildHttpServer } from '../src/http/server.js';
import { createLogger, SecretRegistry } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('redacts secret fields by path and secret values wherever they appear', () => {
    const { lines, destination } = capture();
    const secrets = new SecretRegistry();
    secrets.add('123456:AAbbCCddEEffGGhh');
    const log = createLogger({ level: 'info', secrets, destination });
    log.info({ req: { headers: { authorization: 'Bearer abc.def.ghi' } }, cfg: { apiKey: 'plain-key-1' } }, 'hello');
    log.error({ err: new Error('GET https://api.telegram.org/bot123456:AAbbCCddEEffGGhh/getMe failed') }, 'boom');
    log.info('token 123456:AAbbCCddEEffGGhh in a message');
    const all = lines.join('\n');
    expect(all).not.toContain('abc.def.ghi');
    expect(all).not.toContain('plain-key-1');
    expect(all).not.toContain('AAbbCCddEEffGGhh');
    expect(all.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('never logs the query string of a request (a ?token= stays out of the log)', async () => {
    const { lines, destination } = capture();
    const app = await buildHttpServer({
      logger: createLogger({ level: 'info', destination }),
      health: async () => ({ status: 'ok', db: 'ok', runtime: 'none', bot: 'disabled', chain: 'disabled', agents: { running: 0, total: 0 }, version: 't', uptimeSeconds: 0 }),
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/ws?token=eyJhbGciOi.secret-user-token.sig&x=1' });
      expect(res.statusCode).toBe(404);
    } finally {
      await app.close();
    }
    const all = lines.join('\n');
    expect(all).toContain('incoming request');
    expect(all).toContain('"url":"/ws"');
    expect(all).not.toContain('secret-user-token');
    expect(all).not.toContain('token=');
  });
});
