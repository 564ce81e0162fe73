import { Migration } from '@mikro-orm/migrations';

export class Migration20261203171009 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "dashboard_credentials" ("key_hash" varchar(64) not null, "kind" varchar(16) not null, "user_id" uuid null, "expires_at" timestamptz not null, constraint "dashboard_credentials_pkey" primary key ("key_hash"));`);
    this.addSql(`create index "dashboard_credentials_expires_at_index" on "dashboard_credentials" ("expires_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "dashboard_credentials" cascade;`);
  }

}
