/**
 * Source files compiled as `npm run build` compiles them (the settings of tsconfig.json, which
 * tsconfig.build.json extends), into a scratch folder of the project so that node_modules
 * resolves: for tests that run the compiled JavaScript with plain node (no tsx loader). tsc
 * follows the files' imports, so naming the entries is enough.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../src/paths.js';

export interface CompiledSources {
  /** The file URL of a compiled source, by its source path with `.js` (e.g. `src/hub/x.js`). */
  url(file: string): string;
  remove(): void;
}

const SETTINGS = ['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2023', '--types', 'node'];

export function compileForNode(files: readonly string[], prefix: string): CompiledSources {
  const outDir = mkdtempSync(path.join(PROJECT_ROOT, prefix));
  const tsc = path.join(PROJECT_ROOT, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, ...SETTINGS, '--strict', '--skipLibCheck', '--rootDir', '.', '--outDir', outDir, ...files], {
      cwd: PROJECT_ROOT,
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: (file) => pathToFileURL(path.join(outDir, file)).href,
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

/** Runs an ES module script with plain node from the project root; returns its stdout. */
export function runNodeScript(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
}

/** The loader flags of the running process: a script prints them to prove it ran without tsx. */
export const LOADERS_EXPRESSION =
  "[...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(' ')].filter((a) => /^--(import|require|loader|experimental-loader)/.test(a))";
