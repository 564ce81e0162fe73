/**
 * The Mini App dashboard's first load: builds the bundle from the current sources (into a
 * scratch folder, as `npm run build:app` does) and measures what index.html makes a browser
 * download, gzipped as the hub sends it (goal: app_js_gzip_kb ≤ 150).
 *
 * Prints `name=value` lines:
 *   app_js_gzip_kb    JavaScript of the first load, gzipped (KiB)
 *   app_js_kb         the same, raw (KiB)
 *   app_css_gzip_kb   the stylesheet, gzipped (KiB)
 *   app_build_ms      the esbuild build, wall time
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../scripts/build-app.js';

const print = (name: string, value: number) => process.stdout.write(`${name}=${value}\n`);
const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'artic-app-bench-'));
try {
  const started = performance.now();
  const load = await buildApp(path.join(scratch, 'app'));
  const buildMs = Math.round(performance.now() - started);
  print('app_js_gzip_kb', kib(load.jsGzipBytes));
  print('app_js_kb', kib(load.jsBytes));
  print('app_css_gzip_kb', kib(load.cssGzipBytes));
  print('app_build_ms', buildMs);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
