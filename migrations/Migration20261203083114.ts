import { Migration } from '@mikro-orm/migrations';

export class Migration20261203083114 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "llm_daily_usage" ("user_id" uuid not null, "day" varchar(10) not null, "tokens" bigint not null default 0, "notified" boolean not null default false, constraint "llm_daily_usage_pkey" primary key ("user_id", "day"));`);

    this.addSql(`alter table "llm_daily_usage" add constraint "llm_daily_usage_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "users" add column "admitted_via" text check ("admitted_via" in ('open', 'approved', 'admin-list', 'first-user')) null, add column "requested_at" timestamptz null;`);
    // Users from before admissions were recorded: admins came from ADMIN_TELEGRAM_IDS (re-checked
    // at every boot); nobody can tell whether an active user was vetted, so they count as `open`
    // (a server not in ACCESS_MODE=open asks its admins about them again); pending users' admins
    // were asked when they registered.
    this.addSql(`update "users" set "admitted_via" = case when "is_admin" then 'admin-list' when "status" = 'active' then 'open' end;`);
    this.addSql(`update "users" set "requested_at" = "created_at" where "status" = 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "llm_daily_usage" cascade;`);

    this.addSql(`alter table "users" drop column "admitted_via", drop column "requested_at";`);
  }

}
