import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
});
