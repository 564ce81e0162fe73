import { Migration } from '@mikro-orm/migrations';

/**
 * The session's leverage and paper/live, fixed at `/start` (the broker trades a running session
 * on them). Agents active during the upgrade get their current settings, the best record of what
 * their session was started with.
 */
export class Migration20261203083704 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "agents" add column "session_leverage" int null, add column "session_live_mode" boolean null;`);
    this.addSql(`update "agents" set "session_leverage" = "leverage", "session_live_mode" = "live_mode" where "status" in ('starting', 'running', 'stopping');`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "agents" drop column "session_leverage", drop column "session_live_mode";`);
  }

}
