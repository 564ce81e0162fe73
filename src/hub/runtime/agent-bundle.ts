/**
 * The agent program as one file: esbuild bundles agent/src/main.ts and the shared code it
 * imports into an ES module that runs with plain `node` (no node_modules). The same bundle goes
 * into the agent image (scripts/build-agent-image.sh) and is what the process runtime runs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../paths.js';

export const AGENT_SOURCE = path.join(PROJECT_ROOT, 'agent/src/main.ts');
export const AGENT_BUNDLE = path.join(PROJECT_ROOT, 'dist/agent/agent.mjs');

/**
 * esbuild options for a program that runs with plain `node` as one ES module (the agent here, the
 * hub in scripts/build-hub.ts). ESM output has no `require`; CommonJS dependencies bundled in may
 * still call it, so the banner makes one.
 */
export const NODE_BUNDLE_OPTIONS = {
  absWorkingDir: PROJECT_ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'warning',
  metafile: true,
  banner: {
    js: "import { createRequire as __articCreateRequire } from 'node:module';\nconst require = __articCreateRequire(import.meta.url);",
  },
} as const;

/** Builds the bundle at `outfile` (atomically: concurrent builders never leave a torn file). Returns its size in bytes. */
export async function buildAgentBundle(outfile = AGENT_BUNDLE): Promise<number> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  // Loaded here, not on import: the hub image carries the built bundle and no esbuild.
  const { build } = await import('esbuild');
  const result = await build({ ...NODE_BUNDLE_OPTIONS, entryPoints: [AGENT_SOURCE], outfile: partial });
  renameSync(partial, outfile);
  return Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
}

/**
 * Node arguments that run the agent. From a source checkout the bundle is rebuilt first (about
 * 0.2 s, so agents always run the current code and start as fast as in a container); from a
 * compiled install the bundle `npm run build` made is used.
 */
export async function prepareAgentCommand(): Promise<string[]> {
  const fromSource = import.meta.url.endsWith('.ts') && existsSync(AGENT_SOURCE);
  if (fromSource) {
    await buildAgentBundle();
    return [AGENT_BUNDLE];
  }
  if (existsSync(AGENT_BUNDLE)) return [AGENT_BUNDLE];
  return ['--import', 'tsx', AGENT_SOURCE];
}
