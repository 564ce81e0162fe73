/**
 * What an OS user may reach, judged from permission bits as the kernel applies them to a
 * process started with that uid and gid only (Node drops supplementary groups when it spawns
 * with `uid`/`gid`). ACLs are not read: a wrong guess still ends in a clear spawn error.
 */
import { existsSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** The permission bits (rwx, 0-7) the kernel grants `user` on a file with these stats. */
function bitsFor(stats: Stats, user: ServerUser): number {
  if (stats.uid === user.uid) return (stats.mode >> 6) & 7;
  if (stats.gid === user.gid) return (stats.mode >> 3) & 7;
  return stats.mode & 7;
}

export interface Blocked {
  path: string;
  stats: Stats;
}

export function describeBlocked(blocked: Blocked | undefined): string | undefined {
  if (!blocked) return undefined;
  const mode = (blocked.stats.mode & 0o7777).toString(8).padStart(4, '0');
  return `${blocked.path} (mode ${mode}, owner uid ${blocked.stats.uid})`;
}

/** The first directory from `/` down to `dir` (inclusive) that `user` may not enter. */
export function firstBlockedDir(dir: string, user: ServerUser): Blocked | undefined {
  let current = path.parse(path.resolve(dir)).root;
  for (const part of ['', ...realpathSync(dir).split(path.sep).filter(Boolean)]) {
    current = path.join(current, part);
    const stats = statSync(current);
    if ((bitsFor(stats, user) & 1) === 0) return { path: current, stats };
  }
  return undefined;
}

/** What stops `user` from using the PostgreSQL build in `nativeDir`: a path on the way, or a file in it. */
export function firstUnusable(nativeDir: string, user: ServerUser): Blocked | undefined {
  const onTheWay = firstBlockedDir(nativeDir, user);
  if (onTheWay) return onTheWay;
  const walk = (dir: string, needs: number): Blocked | undefined => {
    // A missing folder is a broken install: the start then fails with the program's own words.
    if (!existsSync(dir)) return undefined;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isSymbolicLink()) continue; // its target is checked as a file of its own
      const file = path.join(dir, entry.name);
      const stats = statSync(file);
      const want = entry.isDirectory() ? 5 : needs; // directories: read + enter
      if ((bitsFor(stats, user) & want) !== want) return { path: file, stats };
      if (entry.isDirectory()) {
        const inner = walk(file, needs);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(path.join(nativeDir, 'bin'), 5) ?? walk(path.join(nativeDir, 'lib'), 4) ?? walk(path.join(nativeDir, 'share'), 4);
}
