/**
 * The one MikroORM configuration, shared by the app, the CLI (mikro-orm.config.ts), the
 * migration scripts and the tests (`ormConfig({ clientUrl })`).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities/index.js';

/** `migrations/` at the repository root: where `migration:create` writes new files. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export function ormConfig(overrides: Partial<Options> & { clientUrl: string }): Options {
  return defineConfig({
    entities: ENTITIES,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    // Entities are plain schemas (defineEntity): nothing to reflect, nothing to cache.
    metadataCache: { enabled: false },
    // One EntityManager per request/update/job; the global one must never be used directly.
    allowGlobalContext: false,
    debug: false,
    pool: { min: 0, max: 10 },
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      // Static list (migrations/index.ts): no file globbing or runtime TypeScript loading.
      migrationsList: MIGRATIONS,
      emit: 'ts',
      snapshot: true,
      snapshotName: '.snapshot-artic',
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      silent: true,
    },
    ...overrides,
  });
}
