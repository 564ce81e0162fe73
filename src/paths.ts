/**
 * Where the project lives on disk: the folder of the nearest `package.json` named `artic` above
 * this file. The same answer from `src/` (tsx), `dist/src/` (compiled) and the hub image (`/app`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findProject(): { root: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'artic') return { root: dir, version: pkg.version ?? '0.0.0-unknown' };
    }
    dir = path.dirname(dir);
  }
  return { root: process.cwd(), version: '0.0.0-unknown' };
}

const project = findProject();

/** Absolute path of the project folder (holds package.json, agent/, dist/, contracts/). */
export const PROJECT_ROOT: string = project.root;
/** The product version from package.json. */
export const PROJECT_VERSION: string = project.version;
