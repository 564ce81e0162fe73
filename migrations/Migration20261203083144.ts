import { Migration } from '@mikro-orm/migrations';

export class Migration20261203083144 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "outbound_messages_created_at_index" on "outbound_messages" ("created_at");`);

    this.addSql(`alter table "users" add column "token_version" int not null default 0;`);

    this.addSql(`alter table "agents" add column "token_generation" int not null default 0;`);
    this.addSql(`alter table "agents" alter column "strategy" type varchar(64) using ("strategy"::varchar(64));`);
    this.addSql(`alter table "agents" alter column "active_strategy" type varchar(64) using ("active_strategy"::varchar(64));`);

    this.addSql(`create index "log_entries_ts_index" on "log_entries" ("ts");`);

    this.addSql(`alter table "decisions" alter column "strategy" type varchar(64) using ("strategy"::varchar(64));`);
    this.addSql(`create index "decisions_created_at_index" on "decisions" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "agents" drop column "token_generation";`);

    this.addSql(`alter table "agents" alter column "strategy" type varchar(48) using ("strategy"::varchar(48));`);
    this.addSql(`alter table "agents" alter column "active_strategy" type varchar(48) using ("active_strategy"::varchar(48));`);

    this.addSql(`drop index "decisions_created_at_index";`);

    this.addSql(`alter table "decisions" alter column "strategy" type varchar(48) using ("strategy"::varchar(48));`);

    this.addSql(`drop index "log_entries_ts_index";`);

    this.addSql(`drop index "outbound_messages_created_at_index";`);

    this.addSql(`alter table "users" drop column "token_version";`);
  }

}
