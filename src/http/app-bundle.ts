/**
 * The Mini App dashboard as static files: esbuild bundles web/src/main.tsx (Preact,
 * lightweight-charts and the shared contract it imports) into one minified script and one
 * stylesheet with content hashes in their names, and writes `index.html` that links them.
 * `npm run build:app` (scripts/build-app.ts) and `npm run build` make it; a hub started from a
 * source checkout builds it when it is missing or older than its sources (`ensureAppBundle`).
 * The hub serves the folder at `/app` (src/http/routes/mini-app.ts). See docs/architecture.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';

export const APP_SOURCE_DIR = path.join(PROJECT_ROOT, 'web');
export const APP_ENTRY = path.join(APP_SOURCE_DIR, 'src/main.tsx');
/** Output folder (git-ignored, inside dist/ so the hub image carries it). */
export const APP_BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist/app');
/** Where the built files are served from; index.html links its assets with this prefix. */
export const APP_URL_PREFIX = '/app/';

/** Folders whose files go into the bundle: a change in one makes a built bundle stale. */
const SOURCE_DIRS = [APP_SOURCE_DIR, path.join(PROJECT_ROOT, 'src/shared')];

export interface AppBundle {
  dir: string;
  /** Output files relative to `dir`, with their sizes in bytes. */
  files: Array<{ path: string; bytes: number }>;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Writes index.html from the template, linking the hashed script and stylesheet. */
function writeIndex(outDir: string, script: string, stylesheet: string | undefined): void {
  const template = readFileSync(path.join(APP_SOURCE_DIR, 'index.html'), 'utf8');
  const css = stylesheet ? `<link rel="stylesheet" href="${APP_URL_PREFIX}${stylesheet}">` : '';
  const js = `<script type="module" src="${APP_URL_PREFIX}${script}"></script>`;
  const html = template.replace('<!-- app:css -->', css).replace('<!-- app:js -->', js);
  if (html === template) throw new Error('web/index.html lacks the <!-- app:css --> / <!-- app:js --> placeholders');
  writeFileSync(path.join(outDir, 'index.html'), html);
}

/**
 * Builds the app into `outDir` (default dist/app). Built beside it and moved into place, so a
 * reader never sees half a bundle; when two builders race, the first one's output stays.
 */
export async function buildAppBundle(outDir = APP_BUNDLE_DIR): Promise<AppBundle> {
  const staging = `${outDir}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    // Loaded here, not on import: the hub image carries the built app and no esbuild.
    const { build } = await import('esbuild');
    const result = await build({
      absWorkingDir: PROJECT_ROOT,
      entryPoints: [APP_ENTRY],
      outdir: path.join(staging, 'assets'),
      entryNames: '[name]-[hash]',
      assetNames: '[name]-[hash]',
      bundle: true,
      format: 'esm',
      platform: 'browser',
      // Telegram's in-app web views: iOS 15 Safari and Android System WebView of the last years.
      target: ['es2020', 'safari15', 'chrome100'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: true,
      sourcemap: 'linked',
      legalComments: 'linked',
      define: { 'process.env.NODE_ENV': '"production"' },
      metafile: true,
      logLevel: 'warning',
    });
    const outputs = Object.keys(result.metafile.outputs).map((file) => path.relative(staging, path.join(PROJECT_ROOT, file)));
    const script = outputs.find((file) => file.endsWith('.js'));
    if (!script) throw new Error('esbuild wrote no script for the app');
    writeIndex(
      staging,
      script,
      outputs.find((file) => file.endsWith('.css')),
    );
    // Swapped in with two renames, so a hub reading the folder meanwhile finds it whole.
    const previous = `${staging}.old`;
    try {
      renameSync(outDir, previous);
    } catch {
      // No bundle yet (or another builder is swapping it right now).
    }
    try {
      renameSync(staging, outDir);
    } catch (error) {
      // Another builder moved its copy in first: the same sources, so the same bundle.
      if (!existsSync(path.join(outDir, 'index.html'))) throw error;
    }
    rmSync(previous, { recursive: true, force: true });
    return describeBundle(outDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The files of a built bundle and their sizes. */
export function describeBundle(dir = APP_BUNDLE_DIR): AppBundle {
  const files = filesUnder(dir).map((file) => ({ path: path.relative(dir, file), bytes: statSync(file).size }));
  return { dir, files: files.sort((a, b) => a.path.localeCompare(b.path)) };
}

/** True when the bundle is missing, or (in a source checkout) older than a file it is built from. */
export function appBundleStale(dir = APP_BUNDLE_DIR): boolean {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return true;
  const builtAt = statSync(index).mtimeMs;
  return SOURCE_DIRS.some((src) => filesUnder(src).some((file) => statSync(file).mtimeMs > builtAt));
}

/**
 * Makes sure the app can be served: builds it when it is missing or stale and its sources are
 * here. Returns the folder to serve, or undefined when there is no bundle and nothing to build
 * from (a compiled install without `npm run build:app`): the hub then runs without a dashboard.
 */
export async function ensureAppBundle(dir = APP_BUNDLE_DIR): Promise<string | undefined> {
  const haveSources = existsSync(APP_ENTRY);
  if (haveSources && appBundleStale(dir)) await buildAppBundle(dir);
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}
