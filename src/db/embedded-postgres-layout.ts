/**
 * Where the embedded PostgreSQL's programs and data live, and as whom it runs.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
 * (created when missing), which must reach both the programs (under node_modules) and the data
 * (`DATA_DIR/postgres`). From a private install (a clone under /root, or under `mktemp -d`:
 * mode 0700) it reaches neither, so then:
 * - programs: copied once per version to `sharedDir/postgresql-<version>-<platform>` (owned by
 *   root, mode 0755: the server's user can run them but not change them);
 * - data: a new cluster is made in `sharedDir/clusters/<random id>` (owned by that user, mode
 *   0700) and `DATA_DIR/postgres` becomes a symlink to it, so later starts find it again.
 * An existing cluster is never moved: when its user cannot reach it, the start fails at once
 * with the path, the reason and the fix.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { access, chmod, chown, cp, mkdir, rename, rm, rmdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { describeBlocked, firstBlockedDir, firstUnusable, type ServerUser } from './embedded-postgres-access.js';

export type { ServerUser };

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresLayout {
  /** Folder with the `initdb` and `postgres` programs. */
  binDir: string;
  /** The cluster's directory, symlinks resolved (what the server is given with `-D`). */
  pgDir: string;
  /** As root: the unprivileged user the programs run as. Unset: they run as this process. */
  runAs: ServerUser | undefined;
}

export interface LayoutOptions {
  dataDir: string;
  /** As root: where programs and data go when the server's user cannot reach their usual place. */
  sharedDir: string;
  /** Folder with bin/, lib/, share/ of a PostgreSQL build; default: the npm package's. */
  nativeDir?: string;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

const SERVER_USER = 'postgres';
const PROGRAMS = ['initdb', 'postgres'] as const;
const run = promisify(execFile);
const FALLBACK_FIX = 'or set DATABASE_URL to use your own PostgreSQL';

/** The PostgreSQL build shipped by `@embedded-postgres/<platform>-<arch>` (an optional dependency). */
export async function findNativeDir(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const binaries = (await import(name)) as { postgres: string };
    return path.resolve(binaries.postgres, '..', '..');
  } catch {
    throw new EmbeddedPostgresError(
      `Cannot start the embedded PostgreSQL: its programs for ${process.platform}-${process.arch} (${name}) are not installed. Fix: run npm install without --omit=optional, ${FALLBACK_FIX}.`,
    );
  }
}

export async function prepareLayout(options: LayoutOptions): Promise<EmbeddedPostgresLayout> {
  const nativeDir = options.nativeDir ?? (await findNativeDir());
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() !== 0) {
    for (const program of PROGRAMS) await ensureExecutable(path.join(nativeDir, 'bin', program));
    const pgPath = path.join(dataDir, 'postgres');
    return { binDir: path.join(nativeDir, 'bin'), pgDir: isSymlink(pgPath) ? resolveLink(pgPath) : pgPath, runAs: undefined };
  }
  const user = await ensureServerUser();
  const usable = firstUnusable(nativeDir, user) ? await copyPrograms(nativeDir, options, user) : nativeDir;
  // The server's user must enter DATA_DIR to reach DATA_DIR/postgres (which it owns).
  await chmod(dataDir, (statSync(dataDir).mode & 0o7777) | 0o711);
  return { binDir: path.join(usable, 'bin'), pgDir: await prepareClusterDir(dataDir, options, user), runAs: user };
}

async function ensureExecutable(file: string): Promise<void> {
  try {
    await access(file, constants.X_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is missing' : 'this user may not execute it';
    throw new EmbeddedPostgresError(
      `Cannot start the embedded PostgreSQL: ${file} cannot be run (${reason}). Fix: run npm install (node scripts/postinstall.mjs restores the run bits), make sure that filesystem is not mounted noexec, ${FALLBACK_FIX}.`,
    );
  }
}

async function lookupUser(name: string): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** The `postgres` system user, created (without a home or a login shell) when missing. */
async function ensureServerUser(): Promise<ServerUser> {
  const found = await lookupUser(SERVER_USER);
  if (found) return found;
  const groupExists = await run('getent', ['group', SERVER_USER]).then(
    () => true,
    () => false,
  );
  const groupArgs = groupExists ? ['--gid', SERVER_USER] : ['--user-group'];
  let reason = 'useradd reported no error but the user is still missing';
  try {
    await run(
      'useradd',
      ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', ...groupArgs, SERVER_USER],
      { timeout: 5000 },
    );
  } catch (error) {
    reason = `useradd failed: ${String((error as { stderr?: string }).stderr || (error as Error).message).trim()}`;
  }
  const created = await lookupUser(SERVER_USER);
  if (created) return created;
  throw new EmbeddedPostgresError(
    `Cannot start the embedded PostgreSQL as root: it must run as the system user '${SERVER_USER}', which does not exist and could not be created (${reason}). Fix: create it (useradd --system --user-group ${SERVER_USER}), run Artic as a normal user, ${FALLBACK_FIX}.`,
  );
}

/** Creates `dir` (and missing parents) so that every user may enter the new directories. */
async function makeEnterable(dir: string, mode: number): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  for (let current = dir; current.startsWith(first); current = path.dirname(current)) await chmod(current, mode);
}

function sharedDirFailure(what: string, options: LayoutOptions, blocked: string, detail: string): EmbeddedPostgresError {
  return new EmbeddedPostgresError(
    `Cannot start the embedded PostgreSQL as root: the '${SERVER_USER}' system user it runs as cannot reach ${what} because ${blocked} is closed to it, and ${detail}. Fix: set EMBEDDED_PG_SHARED_DIR to a directory root can write and every user can enter (now ${options.sharedDir}), run Artic from a directory other users can enter, ${FALLBACK_FIX}.`,
  );
}

/** Checks that `user` can enter `options.sharedDir`, creating it (mode 0755) when missing. */
async function ensureSharedDir(what: string, options: LayoutOptions, user: ServerUser, blocked: string): Promise<void> {
  try {
    await makeEnterable(options.sharedDir, 0o755);
  } catch (error) {
    throw sharedDirFailure(what, options, blocked, `creating ${options.sharedDir} failed (${(error as Error).message})`);
  }
  const closed = describeBlocked(firstBlockedDir(options.sharedDir, user));
  if (closed) throw sharedDirFailure(what, options, blocked, `EMBEDDED_PG_SHARED_DIR is closed to it too: ${closed}`);
}

/** Copies the PostgreSQL build to the shared directory once per version; returns the copy. */
async function copyPrograms(nativeDir: string, options: LayoutOptions, user: ServerUser): Promise<string> {
  const blocked = describeBlocked(firstUnusable(nativeDir, user))!;
  const version = (JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const target = path.join(options.sharedDir, `postgresql-${version}-${process.platform}-${process.arch}`);
  const what = `its programs in ${nativeDir}`;
  if (!existsSync(path.join(target, 'bin', 'postgres'))) {
    await ensureSharedDir(what, options, user, blocked);
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      await rm(temporary, { recursive: true, force: true });
      await cp(nativeDir, temporary, { recursive: true, verbatimSymlinks: true });
      await openToEveryone(temporary);
      await rename(temporary, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another start copied it at the same time: use theirs.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        await rm(temporary, { recursive: true, force: true });
      });
    } catch (error) {
      await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
      throw sharedDirFailure(what, options, blocked, `copying them to ${target} failed (${(error as Error).message})`);
    }
    options.logger?.info(
      { from: nativeDir, to: target, because: blocked },
      'copied the embedded PostgreSQL programs where its user can run them',
    );
  }
  const stillBlocked = describeBlocked(firstUnusable(target, user));
  if (stillBlocked) throw sharedDirFailure(what, options, blocked, `its copy in ${target} is closed to it too: ${stillBlocked}`);
  return target;
}

/** Directories 0755, files 0755 when anyone may run them, else 0644 (an install under umask 077 leaves 0700/0600). */
async function openToEveryone(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await openToEveryone(file);
    else await chmod(file, statSync(file).mode & 0o111 ? 0o755 : 0o644);
  }
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function resolveLink(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    throw new EmbeddedPostgresError(
      `Cannot start the embedded PostgreSQL: its data directory ${link} is a link to a directory that no longer exists. Fix: restore that directory, or remove the link to start with an empty database.`,
    );
  }
}

/** A directory only `user` may enter (what PostgreSQL demands of its data directory). */
async function makeOwnedDir(dir: string, user: ServerUser): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
}

/** The cluster directory for `dataDir` as root: in place when the server's user can reach it, else in the shared directory. */
async function prepareClusterDir(dataDir: string, options: LayoutOptions, user: ServerUser): Promise<string> {
  const pgPath = path.join(dataDir, 'postgres');
  const blocked = describeBlocked(firstBlockedDir(dataDir, user));
  const existing = isSymlink(pgPath) ? resolveLink(pgPath) : pgPath;
  const hasCluster = existsSync(path.join(existing, 'PG_VERSION'));
  const reason = existing === pgPath ? blocked : describeBlocked(firstBlockedDir(path.dirname(existing), user));
  if (!reason) {
    if (!hasCluster) await makeOwnedDir(existing, user);
    return existing;
  }
  if (hasCluster || existing !== pgPath) {
    const moved = path.join(options.sharedDir, 'clusters', 'moved');
    throw new EmbeddedPostgresError(
      `Cannot start the embedded PostgreSQL as root: the '${SERVER_USER}' system user it runs as cannot reach the existing database in ${existing} because ${reason} is closed to it. Fix: let it enter that directory (chmod o+x), or move the database where it can and link to it (mkdir -p ${path.dirname(moved)} && chmod 711 ${options.sharedDir} ${path.dirname(moved)} && mv ${existing} ${moved} && ln -sfn ${moved} ${pgPath}), ${FALLBACK_FIX}.`,
    );
  }
  // A new cluster, and DATA_DIR is private: make it in the shared directory and link to it.
  const what = `its data directory ${pgPath}`;
  if (existsSync(pgPath)) {
    // Left empty by an earlier failed first start; anything else is not ours to remove.
    await rmdir(pgPath).catch(() => {
      throw new EmbeddedPostgresError(
        `Cannot start the embedded PostgreSQL: ${pgPath} is not empty but holds no database. Fix: move it aside, ${FALLBACK_FIX}.`,
      );
    });
  }
  await ensureSharedDir(what, options, user, reason);
  const clusters = path.join(options.sharedDir, 'clusters');
  const cluster = path.join(clusters, randomBytes(8).toString('hex'));
  try {
    await makeEnterable(clusters, 0o711);
    await makeOwnedDir(cluster, user);
    await symlink(cluster, pgPath);
  } catch (error) {
    throw sharedDirFailure(what, options, reason, `making ${cluster} failed (${(error as Error).message})`);
  }
  options.logger?.info(
    { dataDir: pgPath, cluster, because: reason },
    'the embedded PostgreSQL keeps its data in the shared directory (DATA_DIR/postgres links to it)',
  );
  return cluster;
}
