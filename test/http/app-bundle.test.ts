/**
 * The dashboard bundle: esbuild output with hashed names that index.html links, a first load
 * within its budget, and a rebuild only when the bundle is missing or older than its sources.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appBundleStale, buildAppBundle, ensureAppBundle } from '../../src/http/app-bundle.js';
import { measureFirstLoad } from '../../scripts/build-app.js';

let root: string;
let dir: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'artic-app-bundle-'));
  dir = path.join(root, 'app');
  await buildAppBundle(dir);
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the dashboard bundle', () => {
  it('links one hashed script and stylesheet from index.html, and the files exist', () => {
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    const links = [...html.matchAll(/(?:src|href)="\/app\/(assets\/main-[A-Z0-9]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(links.map((l) => path.extname(l)).sort()).toEqual(['.css', '.js']);
    for (const link of links) expect(existsSync(path.join(dir, link)), link).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('keeps the first load within 150 KiB of gzipped JavaScript and loads nothing from elsewhere', () => {
    const load = measureFirstLoad(dir);
    expect(load.jsGzipBytes).toBeGreaterThan(10 * 1024);
    expect(load.jsGzipBytes).toBeLessThanOrEqual(150 * 1024);
    const script = readFileSync(
      path.join(
        dir,
        load.files.find((f) => f.endsWith('.js'))!,
      ),
      'utf8',
    );
    // No script or stylesheet from another origin (links in comments and licences are no loads).
    expect(script).not.toMatch(/(?:import\(|src=|@import\s+url\()\s*["']https?:/);
  });

  it('is stale only when missing or older than a source file, and ensureAppBundle rebuilds only then', async () => {
    expect(appBundleStale(dir)).toBe(false);
    const index = path.join(dir, 'index.html');
    const builtAt = statSync(index).mtimeMs;
    expect(await ensureAppBundle(dir)).toBe(dir);
    expect(statSync(index).mtimeMs).toBe(builtAt);

    const longAgo = new Date('2001-01-01T00:00:00Z');
    utimesSync(index, longAgo, longAgo);
    expect(appBundleStale(dir)).toBe(true);
    await ensureAppBundle(dir);
    expect(statSync(index).mtimeMs).toBeGreaterThan(longAgo.getTime());
    expect(appBundleStale(path.join(root, 'missing'))).toBe(true);
  }, 60_000);
});
