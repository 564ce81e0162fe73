import { Migration } from '@mikro-orm/migrations';

/**
 * The owner's opt-in to /leaderboard (issue 12): off for every agent until its owner sends
 * `/optin <agent>`; only the agent's name is ever shown there.
 */
export class Migration20261203121700 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "agents" add column "leaderboard_opt_in" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "agents" drop column "leaderboard_opt_in";`);
  }

}
