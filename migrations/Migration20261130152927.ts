import { Migration } from '@mikro-orm/migrations';

export class Migration20261130152927 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "api_credits" ("provider" varchar(32) not null, "day" varchar(10) not null, "used" int not null default 0, constraint "api_credits_pkey" primary key ("provider", "day"));`);

    this.addSql(`create table "bot_sessions" ("key" varchar(128) not null, "value" jsonb not null, "updated_at" timestamptz not null, constraint "bot_sessions_pkey" primary key ("key"));`);

    this.addSql(`create table "candles" ("symbol" varchar(32) not null, "interval" varchar(8) not null, "open_time" bigint not null, "open" double precision not null, "high" double precision not null, "low" double precision not null, "close" double precision not null, "volume" double precision not null, "source" varchar(16) not null, "fetched_at" timestamptz not null, constraint "candles_pkey" primary key ("symbol", "interval", "open_time"));`);

    this.addSql(`create table "chain_outbox" ("id" bigserial primary key, "kind" text check ("kind" in ('decision', 'trade')) not null, "payload" jsonb not null, "status" text check ("status" in ('pending', 'sending', 'sent', 'failed')) not null default 'pending', "tx_hash" varchar(66) null, "block_number" bigint null, "attempts" int not null default 0, "last_error" text null, "next_attempt_at" timestamptz not null, "created_at" timestamptz not null, "sent_at" timestamptz null);`);
    this.addSql(`create index "chain_outbox_status_next_attempt_at_index" on "chain_outbox" ("status", "next_attempt_at");`);

    this.addSql(`create table "outbound_messages" ("id" bigserial primary key, "chat_id" bigint not null, "event_type" varchar(48) not null, "text" text not null, "silent" boolean not null default false, "status" text check ("status" in ('pending', 'sent', 'failed')) not null default 'pending', "attempts" int not null default 0, "created_at" timestamptz not null, "sent_at" timestamptz null);`);
    this.addSql(`create index "outbound_messages_status_id_index" on "outbound_messages" ("status", "id");`);
    this.addSql(`create index "outbound_messages_chat_id_status_index" on "outbound_messages" ("chat_id", "status");`);

    this.addSql(`create table "users" ("id" uuid not null, "telegram_id" bigint not null, "display_name" varchar(128) not null default '', "username" varchar(64) null, "status" text check ("status" in ('active', 'pending', 'denied')) not null default 'active', "is_admin" boolean not null default false, "prefs" jsonb not null default '{}', "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_telegram_id_unique" unique ("telegram_id");`);

    this.addSql(`create table "secrets" ("id" uuid not null, "owner_id" uuid not null, "scope" varchar(64) not null default 'user', "name" varchar(64) not null, "ciphertext" bytea not null, "nonce" bytea not null, "tag" bytea not null, "key_version" int not null default 1, "hint" varchar(8) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "secrets_pkey" primary key ("id"));`);
    this.addSql(`alter table "secrets" add constraint "secrets_owner_id_scope_name_unique" unique ("owner_id", "scope", "name");`);

    this.addSql(`create table "alert_preferences" ("user_id" uuid not null, "event_type" varchar(48) not null, "mode" text check ("mode" in ('on', 'silent', 'off')) not null default 'on', constraint "alert_preferences_pkey" primary key ("user_id", "event_type"));`);

    this.addSql(`create table "agents" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(64) not null, "symbol" varchar(32) not null, "status" text check ("status" in ('created', 'starting', 'running', 'stopping', 'stopped', 'failed')) not null default 'created', "status_reason" text null, "runtime" varchar(16) null, "container_id" varchar(128) null, "port" int null, "amount_usdt" double precision not null, "leverage" int not null default 5, "risk_profile" text check ("risk_profile" in ('conservative', 'moderate', 'aggressive')) not null default 'moderate', "timeframe" varchar(8) not null default '15m', "tp_pct" double precision null, "sl_pct" double precision null, "tp_sl_mode" text check ("tp_sl_mode" in ('fixed', 'dynamic')) not null default 'fixed', "poll_seconds" int not null default 10, "supervisor_interval_seconds" int not null default 300, "max_session_loss_pct" double precision not null default 10, "close_on_stop" boolean not null default true, "llm_provider" varchar(32) null, "llm_model" varchar(64) null, "live_mode" boolean not null default false, "strategy" varchar(48) null, "position" jsonb null, "last_price" double precision null, "unrealized_pnl" double precision not null default 0, "realized_pnl" double precision not null default 0, "last_action" varchar(256) null, "active_strategy" varchar(48) null, "last_status_at" timestamptz null, "started_at" timestamptz null, "restart_count" int not null default 0, "llm_prompt_tokens" bigint not null default 0, "llm_completion_tokens" bigint not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "agents_pkey" primary key ("id"));`);
    this.addSql(`alter table "agents" add constraint "agents_port_unique" unique ("port");`);
    this.addSql(`create index "agents_owner_id_status_index" on "agents" ("owner_id", "status");`);
    this.addSql(`create index "agents_status_index" on "agents" ("status");`);
    this.addSql(`alter table "agents" add constraint "agents_owner_id_name_unique" unique ("owner_id", "name");`);

    this.addSql(`create table "trades" ("id" uuid not null, "agent_id" uuid not null, "side" text check ("side" in ('long', 'short')) not null, "qty" double precision not null, "leverage" int not null default 1, "margin" double precision not null default 0, "entry_price" double precision not null, "exit_price" double precision null, "liquidation_price" double precision null, "fees" double precision not null default 0, "pnl" double precision null, "status" text check ("status" in ('open', 'closed')) not null default 'open', "close_reason" varchar(64) null, "live" boolean not null default false, "opened_at" timestamptz not null, "closed_at" timestamptz null, "exchange_order_ids" jsonb not null default '[]', "idempotency_key" varchar(128) not null, "close_idempotency_key" varchar(128) null, constraint "trades_pkey" primary key ("id"));`);
    this.addSql(`alter table "trades" add constraint "trades_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`alter table "trades" add constraint "trades_close_idempotency_key_unique" unique ("close_idempotency_key");`);
    this.addSql(`create index "trades_agent_id_status_index" on "trades" ("agent_id", "status");`);
    this.addSql(`create index "trades_agent_id_opened_at_index" on "trades" ("agent_id", "opened_at");`);

    this.addSql(`create table "log_entries" ("id" bigserial primary key, "agent_id" uuid not null, "seq" bigint not null, "level" text check ("level" in ('debug', 'info', 'warn', 'error')) not null, "message" text not null, "ts" timestamptz not null);`);
    this.addSql(`alter table "log_entries" add constraint "log_entries_agent_id_seq_unique" unique ("agent_id", "seq");`);

    this.addSql(`create table "decisions" ("id" uuid not null, "agent_id" uuid not null, "action" varchar(32) not null, "strategy" varchar(48) null, "confidence" double precision not null default 0, "reasoning" text not null, "reasoning_hash" varchar(66) not null, "idempotency_key" varchar(128) not null, "created_at" timestamptz not null, constraint "decisions_pkey" primary key ("id"));`);
    this.addSql(`alter table "decisions" add constraint "decisions_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "decisions_agent_id_created_at_index" on "decisions" ("agent_id", "created_at");`);

    this.addSql(`alter table "secrets" add constraint "secrets_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "alert_preferences" add constraint "alert_preferences_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "agents" add constraint "agents_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "trades" add constraint "trades_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "log_entries" add constraint "log_entries_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "decisions" add constraint "decisions_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade;`);
  }

}
