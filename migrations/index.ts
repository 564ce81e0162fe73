/**
 * Every migration, in order. Imported statically so migrations run the same under tsx,
 * vitest and compiled code. `npm run migration:create` rewrites this file.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261130152927 } from './Migration20261130152927.js';
import { Migration20261203083114 } from './Migration20261203083114.js';
import { Migration20261203083144 } from './Migration20261203083144.js';
import { Migration20261203083704 } from './Migration20261203083704.js';
import { Migration20261203095338 } from './Migration20261203095338.js';
import { Migration20261203121548 } from './Migration20261203121548.js';
import { Migration20261203121700 } from './Migration20261203121700.js';
import { Migration20261203121737 } from './Migration20261203121737.js';
import { Migration20261203124546 } from './Migration20261203124546.js';
import { Migration20261203124944 } from './Migration20261203124944.js';
import { Migration20261203132001 } from './Migration20261203132001.js';
import { Migration20261203143251 } from './Migration20261203143251.js';
import { Migration20261203171009 } from './Migration20261203171009.js';

export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261130152927', class: Migration20261130152927 },
  { name: 'Migration20261203083114', class: Migration20261203083114 },
  { name: 'Migration20261203083144', class: Migration20261203083144 },
  { name: 'Migration20261203083704', class: Migration20261203083704 },
  { name: 'Migration20261203095338', class: Migration20261203095338 },
  { name: 'Migration20261203121548', class: Migration20261203121548 },
  { name: 'Migration20261203121700', class: Migration20261203121700 },
  { name: 'Migration20261203121737', class: Migration20261203121737 },
  { name: 'Migration20261203124546', class: Migration20261203124546 },
  { name: 'Migration20261203124944', class: Migration20261203124944 },
  { name: 'Migration20261203132001', class: Migration20261203132001 },
  { name: 'Migration20261203143251', class: Migration20261203143251 },
  { name: 'Migration20261203171009', class: Migration20261203171009 },
];
