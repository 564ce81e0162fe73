/**
 * npm run build:app — builds the Mini App dashboard into dist/app (or --outdir <path>) and prints
 * what the first load costs: the script and stylesheet index.html links, raw and gzipped (as the
 * hub sends them). The build itself lives in src/http/app-bundle.ts, shared with the hub, which
 * builds the app on its first start when it is missing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { APP_BUNDLE_DIR, APP_URL_PREFIX, buildAppBundle } from '../src/http/app-bundle.js';
import { PROJECT_ROOT } from '../src/paths.js';

export interface FirstLoad {
  /** Files index.html links (scripts and stylesheets), relative to the bundle folder. */
  files: string[];
  jsBytes: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
}

/** What a browser downloads to show the first page: everything index.html links, gzipped at level 9 like the hub. */
export function measureFirstLoad(dir = APP_BUNDLE_DIR): FirstLoad {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const linked = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((m) => m[1]!)
    .filter((href) => href.startsWith(APP_URL_PREFIX))
    .map((href) => href.slice(APP_URL_PREFIX.length));
  const sizes = linked.map((file) => {
    const body = readFileSync(path.join(dir, file));
    return { file, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const js = sizes.filter((s) => s.file.endsWith('.js'));
  const sum = (list: typeof sizes, key: 'bytes' | 'gzip') => list.reduce((n, s) => n + s[key], 0);
  return {
    files: linked,
    jsBytes: sum(js, 'bytes'),
    jsGzipBytes: sum(js, 'gzip'),
    cssGzipBytes: sum(
      sizes.filter((s) => s.file.endsWith('.css')),
      'gzip',
    ),
  };
}

/** Builds the app into `outDir` and measures its first load. */
export async function buildApp(outDir = APP_BUNDLE_DIR): Promise<FirstLoad> {
  await buildAppBundle(outDir);
  return measureFirstLoad(outDir);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--outdir');
  const outDir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : APP_BUNDLE_DIR;
  const load = await buildApp(outDir);
  const kib = (n: number) => (n / 1024).toFixed(1);
  process.stdout.write(
    `app bundle: ${path.relative(PROJECT_ROOT, outDir)} (first load: ${kib(load.jsBytes)} KiB of JavaScript, ${kib(load.jsGzipBytes)} KiB gzipped; CSS ${kib(load.cssGzipBytes)} KiB gzipped)\n`,
  );
}
