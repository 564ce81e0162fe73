import { Migration } from '@mikro-orm/migrations';

/**
 * LLM cost in money (issue 12): tokens and USD per agent and UTC day (`llm_agent_usage`), and the
 * optional per-agent daily budget in USD (`agents.llm_daily_budget_usd`, null = none).
 */
export class Migration20261203124944 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "llm_agent_usage" ("agent_id" uuid not null, "day" varchar(10) not null, "prompt_tokens" bigint not null default 0, "completion_tokens" bigint not null default 0, "cost_usd" double precision not null default 0, "unpriced_tokens" bigint not null default 0, "budget_notified" boolean not null default false, constraint "llm_agent_usage_pkey" primary key ("agent_id", "day"));`);

    this.addSql(`alter table "llm_agent_usage" add constraint "llm_agent_usage_agent_id_foreign" foreign key ("agent_id") references "agents" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "agents" add column "llm_daily_budget_usd" double precision null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "llm_agent_usage" cascade;`);

    this.addSql(`alter table "agents" drop column "llm_daily_budget_usd";`);
  }

}
