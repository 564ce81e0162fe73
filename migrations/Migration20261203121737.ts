import { Migration } from '@mikro-orm/migrations';

/**
 * `agents.paused` (issue 12, /pause and /resume): the owner stopped new entries; the agent keeps
 * managing an open position. Existing agents are not paused.
 */
export class Migration20261203121737 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "agents" add column "paused" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "agents" drop column "paused";`);
  }

}
