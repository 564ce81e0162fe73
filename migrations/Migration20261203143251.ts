import { Migration } from '@mikro-orm/migrations';

export class Migration20261203143251 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "backtests" ("id" uuid not null, "owner_id" uuid not null, "kind" varchar(16) not null, "params" jsonb not null, "summary" jsonb not null, "result" jsonb not null, "notes" jsonb not null, "created_at" timestamptz not null, constraint "backtests_pkey" primary key ("id"));`);
    this.addSql(`create index "backtests_owner_id_created_at_index" on "backtests" ("owner_id", "created_at" desc);`);
    this.addSql(`create index "backtests_created_at_index" on "backtests" ("created_at");`);

    this.addSql(`alter table "backtests" add constraint "backtests_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "backtests" cascade;`);
  }

}
