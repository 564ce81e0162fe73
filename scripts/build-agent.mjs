#!/usr/bin/env node
/**
 * Bundles the agent program (agent/src/main.ts and the shared code it imports) into one file,
 * dist/agent/agent.mjs, that runs with plain `node dist/agent/agent.mjs` — no node_modules.
 * Usage: node scripts/build-agent.mjs [--outfile <path>]
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--outfile');
const outfile = path.resolve(root, i > 0 && process.argv[i + 1] ? process.argv[i + 1] : 'dist/agent/agent.mjs');

mkdirSync(path.dirname(outfile), { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['agent/src/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'warning',
  metafile: true,
  // ESM output has no `require`; CommonJS dependencies bundled in may still call it.
  banner: {
    js: "import { createRequire as __articCreateRequire } from 'node:module';\nconst require = __articCreateRequire(import.meta.url);",
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`agent bundle: ${path.relative(root, outfile)} (${(bytes / 1024).toFixed(0)} KiB)\n`);
