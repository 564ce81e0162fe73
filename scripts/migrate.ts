/**
 * Migration commands without a separate database setup:
 *   npm run migrate            apply pending migrations
 *   npm run migration:create   write a migration for what the entities changed (and the snapshot)
 *   npm run migration:check    exit 1 when entities and migrations disagree
 * Uses DATABASE_URL, or starts the embedded PostgreSQL like `npm start` does.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { parseConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { MIGRATIONS_DIR, ormConfig } from '../src/db/orm-config.js';

/** Rewrites migrations/index.ts to import every Migration*.ts file in order. */
function writeMigrationIndex(): void {
  const names = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^Migration\d+.*\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const source = [
    '/**',
    ' * Every migration, in order. Imported statically so migrations run the same under tsx,',
    ' * vitest and compiled code. `npm run migration:create` rewrites this file.',
    ' */',
    "import type { MigrationObject } from '@mikro-orm/core';",
    ...names.map((n) => `import { ${n} } from './${n}.js';`),
    '',
    'export const MIGRATIONS: MigrationObject[] = [',
    ...names.map((n) => `  { name: '${n}', class: ${n} },`),
    '];',
    '',
  ].join('\n');
  writeFileSync(path.join(MIGRATIONS_DIR, 'index.ts'), source);
}

const command = process.argv[2];
if (!['up', 'create', 'check'].includes(command ?? '')) {
  process.stderr.write('usage: tsx scripts/migrate.ts up|create|check\n');
  process.exit(2);
}

const config = parseConfig(process.env);
const pg = config.databaseUrl
  ? undefined
  : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, sharedDir: config.embeddedPgSharedDir });
const orm = await MikroORM.init(ormConfig({ clientUrl: config.databaseUrl ?? pg!.url }));
let exitCode = 0;
try {
  const migrator = orm.getMigrator();
  if (command === 'up') {
    const applied = await migrator.up();
    process.stdout.write(`applied ${applied.length} migration(s)${applied.length ? ': ' + applied.map((m) => m.name).join(', ') : ''}\n`);
  } else if (command === 'create') {
    const pending = await migrator.getPendingMigrations();
    if (pending.length) await migrator.up();
    const initial = (await migrator.getExecutedMigrations()).length === 0;
    const result = initial ? await migrator.createInitialMigration() : await migrator.createMigration();
    if (result.fileName) {
      writeMigrationIndex();
      process.stdout.write(`created ${result.fileName} (and updated migrations/index.ts)\n`);
    } else {
      process.stdout.write('no changes: entities match the migrations\n');
    }
  } else {
    const needed = await migrator.checkMigrationNeeded();
    if (needed) {
      process.stderr.write(
        'migration:check FAILED: the entities differ from the committed migrations/snapshot. Run `npm run migration:create`.\n',
      );
      exitCode = 1;
    } else {
      process.stdout.write('migration:check ok: entities match the migrations\n');
    }
  }
} finally {
  await orm.close(true);
  await pg?.stop();
}
process.exit(exitCode);
