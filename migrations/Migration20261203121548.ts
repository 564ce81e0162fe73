import { Migration } from '@mikro-orm/migrations';

/**
 * The CoinMarketCap cache of `/info` (issue 12): one row per ticker, served for a day after
 * `fetched_at`, then refreshed.
 */
export class Migration20261203121548 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "token_info" ("symbol" varchar(16) not null, "cmc_id" int not null, "data" jsonb not null, "fetched_at" timestamptz not null, constraint "token_info_pkey" primary key ("symbol"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "token_info" cascade;`);
  }

}
