import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildTestHttpServer } from './support/internal-server.js';
import { createLogger, SecretRegistry } from '../src/logger.js';
import { makePrivateInstall } from './support/private-install.js';

/** What test/support/logger-probe.ts prints when run from `cwd`. */
function probeOutput(cwd: string, format: 'pretty' | 'json'): string {
  return execFileSync(process.execPath, ['--import', 'tsx', path.join('test', 'support', 'logger-probe.ts'), format], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
}

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
    const app = await buildTestHttpServer([], createLogger({ level: 'info', destination }));
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

  it('prints readable lines through pino-pretty when asked (main.ts does in a terminal), secrets still scrubbed', () => {
    const out = probeOutput(process.cwd(), 'pretty');
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: hello from the probe\n {4}symbol: "BTCUSDT"$/m);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: token \[redacted\] must not show$/m);
    expect(out).not.toContain('{"level"');
    expect(out).not.toContain('probe-secret-value-123');
  });

  it('stays JSON, with one warning, when pino-pretty is not installed', () => {
    const install = makePrivateInstall({ copy: [], omit: ['pino-pretty'] });
    try {
      const lines = probeOutput(install.project, 'pretty')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(lines.map((l) => [l.level, l.msg])).toEqual([
        [40, 'pino-pretty is not installed, so logs stay JSON lines; `npm install` adds it'],
        [30, 'hello from the probe'],
        [40, 'token [redacted] must not show'],
      ]);
    } finally {
      install.remove();
    }
  });

  it('writes JSON lines when not asked for readable ones', () => {
    const lines = probeOutput(process.cwd(), 'json').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['hello from the probe', 'token [redacted] must not show']);
  });
});
