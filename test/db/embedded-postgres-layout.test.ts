/**
 * Where the embedded PostgreSQL's programs and data go when it runs as root (through the
 * `postgres` system user) from a private directory, and the errors when they cannot go anywhere.
 */
import { execSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstBlockedDir } from '../../src/db/embedded-postgres-access.js';
import { EmbeddedPostgresError, findNativeDir, prepareLayout } from '../../src/db/embedded-postgres-layout.js';
import { reachableProject } from '../support/reachable-project.js';
import { rejectionOf } from '../support/rejection.js';

const isRoot = process.getuid?.() === 0;
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((c) => c()));

function tempDir(mode: number, parent = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, 'artic-layout-'));
  chmodSync(dir, mode);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('firstBlockedDir', () => {
  it('names the first directory on the way that a user may not enter', () => {
    const top = tempDir(0o755);
    mkdirSync(path.join(top, 'open', 'closed', 'inner'), { recursive: true });
    chmodSync(path.join(top, 'open'), 0o755);
    chmodSync(path.join(top, 'open', 'closed'), 0o700);
    const stranger = { name: 'stranger', uid: 54_321, gid: 54_321 };
    expect(firstBlockedDir(path.join(top, 'open'), stranger)).toBeUndefined();
    expect(firstBlockedDir(path.join(top, 'open', 'closed', 'inner'), stranger)?.path).toBe(realpathSync(path.join(top, 'open', 'closed')));
    // Its owner may enter it: the owner's bits count for the owner, whatever the others' say.
    const owner = { name: 'owner', uid: statSync(top).uid, gid: 54_321 };
    expect(firstBlockedDir(path.join(top, 'open', 'closed', 'inner'), owner)).toBeUndefined();
  });
});

describe.runIf(isRoot)('embedded PostgreSQL layout as root', () => {
  const serverUid = () => Number(execSync('id -u postgres', { encoding: 'utf8' }).trim());
  let privateNative: string;

  beforeAll(async () => {
    // The package as a `npm install` inside a mode-0700 directory holds it.
    privateNative = path.join(tempDir(0o700), 'native');
    cpSync(await findNativeDir(), privateNative, { recursive: true, verbatimSymlinks: true });
    cpSync(path.join(await findNativeDir(), '..', 'package.json'), path.join(privateNative, '..', 'package.json'));
  });

  it('keeps programs and data in place when the server user can reach them', async () => {
    // The checkout's own programs when the server user can reach them, else a copy it can.
    const project = reachableProject();
    cleanups.push(() => project.remove());
    const nativeDir = project.copied ? project.nativeDir : await findNativeDir();
    const dataDir = tempDir(0o700);
    const layout = await prepareLayout({
      dataDir,
      sharedDir: path.join(tempDir(0o755), 'unused'),
      ...(project.copied ? { nativeDir } : {}),
    });
    expect(layout.binDir).toBe(path.join(nativeDir, 'bin'));
    expect(layout.pgDir).toBe(path.join(dataDir, 'postgres'));
    expect(layout.runAs?.uid).toBe(serverUid());
    expect(statSync(layout.pgDir).uid).toBe(serverUid());
  });

  it('copies the programs and makes the cluster in the shared directory when DATA_DIR and node_modules are private', async () => {
    const project = tempDir(0o700);
    const dataDir = path.join(project, 'data');
    const sharedDir = path.join(tempDir(0o755), 'artic');
    const layout = await prepareLayout({ dataDir, sharedDir, nativeDir: privateNative });

    expect(path.dirname(layout.binDir).startsWith(path.join(sharedDir, 'postgresql-17.'))).toBe(true);
    const postgres = statSync(path.join(layout.binDir, 'postgres'));
    // Root keeps the programs; the server user may run them but not change them.
    expect({ uid: postgres.uid, mode: postgres.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
    expect(modeOf(sharedDir)).toBe(0o755);

    expect(path.dirname(layout.pgDir)).toBe(path.join(sharedDir, 'clusters'));
    expect({ uid: statSync(layout.pgDir).uid, mode: modeOf(layout.pgDir) }).toEqual({ uid: serverUid(), mode: 0o700 });
    expect(lstatSync(path.join(dataDir, 'postgres')).isSymbolicLink()).toBe(true);
    expect(realpathSync(path.join(dataDir, 'postgres'))).toBe(layout.pgDir);

    // The next start finds the same copy and the same cluster (through the link).
    const again = await prepareLayout({ dataDir, sharedDir, nativeDir: privateNative });
    expect(again).toEqual(layout);
    expect(readdirSync(path.join(sharedDir, 'clusters'))).toHaveLength(1);
  });

  it('fails at once, naming the closed directories and the fix, when the shared directory is private too', async () => {
    const project = tempDir(0o700);
    const sharedDir = path.join(project, 'shared');
    const error = await rejectionOf(prepareLayout({ dataDir: path.join(project, 'data'), sharedDir, nativeDir: privateNative }));
    expect(error).toBeInstanceOf(EmbeddedPostgresError);
    expect(error.message).toContain(`${privateNative}`);
    expect(error.message).toContain(`${project} (mode 0700, owner uid 0)`);
    expect(error.message).toContain(`EMBEDDED_PG_SHARED_DIR is closed to it too`);
    expect(error.message).toContain('Fix: set EMBEDDED_PG_SHARED_DIR');
  });

  it('never moves an existing database it cannot reach; it says where it is and what to do', async () => {
    const project = tempDir(0o700);
    const pgDir = path.join(project, 'data', 'postgres');
    mkdirSync(pgDir, { recursive: true });
    writeFileSync(path.join(pgDir, 'PG_VERSION'), '17\n');
    const sharedDir = path.join(tempDir(0o755), 'artic');
    const error = await rejectionOf(prepareLayout({ dataDir: path.join(project, 'data'), sharedDir }));
    expect(error).toBeInstanceOf(EmbeddedPostgresError);
    expect(error.message).toContain(
      `cannot reach the existing database in ${pgDir} because ${project} (mode 0700, owner uid 0) is closed to it`,
    );
    expect(existsSync(path.join(pgDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(sharedDir, 'clusters'))).toBe(false);
  });
});
