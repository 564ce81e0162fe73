/**
 * `/app`: the dashboard's files from a bundle folder — content types, caching, gzip, the
 * index.html fallback for in-app routes, and no way out of the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { miniAppRoutes } from '../../src/http/routes/mini-app.js';
import { buildTestHttpServer } from '../support/internal-server.js';

const SECRET = 'do-not-serve-this-secret';
const SCRIPT = `console.info(${JSON.stringify('x'.repeat(4000))});`;
let root: string;
let app: FastifyInstance;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'artic-mini-app-'));
  const dir = path.join(root, 'app');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>dash</title><script type="module" src="/app/assets/main-ABC123.js"></script>',
  );
  writeFileSync(path.join(dir, 'assets/main-ABC123.js'), SCRIPT);
  writeFileSync(path.join(dir, 'assets/main-ABC123.css'), 'body{margin:0}');
  // Beside the bundle, where a traversal would land.
  writeFileSync(path.join(root, 'secret.txt'), SECRET);
  app = await buildTestHttpServer([{ plugin: miniAppRoutes, options: { dir } }]);
});

afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('GET /app', () => {
  it('answers index.html at /app, /app/ and in-app routes, revalidated every time, with a same-origin CSP', async () => {
    for (const url of ['/app', '/app/', '/app/agents/0b6c2a4e-1f0e-4c1e-9a55-2f1d1c3f7a10', '/app/new', '/app/profit']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).toContain('<title>dash</title>');
    }
  });

  it('serves hashed assets with their content type, immutable for a year, gzipped when asked', async () => {
    const plain = await app.inject({ method: 'GET', url: '/app/assets/main-ABC123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);

    const zipped = await app.inject({ method: 'GET', url: '/app/assets/main-ABC123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(SCRIPT.length / 4);
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(SCRIPT);

    const css = await app.inject({ method: 'GET', url: '/app/assets/main-ABC123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 304 to a matching ETag and HEAD without a body', async () => {
    const first = await app.inject({ method: 'GET', url: '/app/' });
    const again = await app.inject({ method: 'GET', url: '/app/', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const head = await app.inject({ method: 'HEAD', url: '/app/assets/main-ABC123.js' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('never leaves the bundle folder, however the path is spelled', async () => {
    for (const url of [
      '/app/../secret.txt',
      '/app/%2e%2e/secret.txt',
      '/app/assets/..%2f..%2fsecret.txt',
      '/app/..%5csecret.txt',
      '/app/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/app//etc/passwd',
      '/app/assets/missing-XYZ.js',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain(SECRET);
      // A path that is no file is a 404 unless it is an in-app route (then index.html).
      if (res.statusCode === 200) expect(res.body, url).toContain('<title>dash</title>');
      else expect(res.statusCode, url).toBe(404);
    }
  });
});

describe('GET /app without a bundle', () => {
  it('answers 503 saying how to build it', async () => {
    const bare = await buildTestHttpServer([{ plugin: miniAppRoutes, options: { dir: path.join(root, 'nothing-here') } }]);
    try {
      const res = await bare.inject({ method: 'GET', url: '/app/' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ error: 'AppNotBuilt' });
      expect(res.json().message).toContain('npm run build:app');
    } finally {
      await bare.close();
    }
  });
});
