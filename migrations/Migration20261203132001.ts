import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12, charts: the trader's time zone for chart times (null: UTC), and inline buttons on
 * queued bot messages (the 📈 Chart button under trade alerts).
 */
export class Migration20261203132001 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "outbound_messages" add column "buttons" jsonb null;`);

    this.addSql(`alter table "users" add column "timezone" varchar(64) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "outbound_messages" drop column "buttons";`);

    this.addSql(`alter table "users" drop column "timezone";`);
  }

}
