import { Migration } from '@mikro-orm/migrations';

/**
 * Live order intents (issue 10 §4): a row per live order, committed before the exchange is
 * called and reconciled against it by client order id. `agent_id` has no foreign key on purpose:
 * the row outlives a deleted agent. At most one intent per agent is pending.
 */
export class Migration20261203095338 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "order_intents" ("id" uuid not null, "client_order_id" varchar(128) not null, "agent_id" uuid not null, "owner_id" uuid not null, "agent_name" varchar(64) not null, "symbol" varchar(32) not null, "action" text check ("action" in ('open', 'close')) not null, "side" text check ("side" in ('BUY', 'SELL')) not null, "quantity" double precision not null, "trade_id" uuid not null, "order" jsonb not null, "status" text check ("status" in ('pending', 'done', 'failed', 'orphaned')) not null default 'pending', "error" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "order_intents_pkey" primary key ("id"));`);
    this.addSql(`alter table "order_intents" add constraint "order_intents_client_order_id_unique" unique ("client_order_id");`);
    this.addSql(`create index "order_intents_status_index" on "order_intents" ("status");`);
    this.addSql(`create unique index "order_intents_one_pending_per_agent" on "order_intents" ("agent_id") where "status" = 'pending';`);

    this.addSql(`alter table "order_intents" add constraint "order_intents_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "order_intents" cascade;`);
  }

}
