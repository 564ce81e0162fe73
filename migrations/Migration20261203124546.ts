import { Migration } from '@mikro-orm/migrations';

export class Migration20261203124546 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "trades" add column "decision_key" varchar(128) null, add column "signals" jsonb null;`);

    this.addSql(`alter table "decisions" add column "source" varchar(16) null, add column "llm" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "decisions" drop column "source", drop column "llm";`);

    this.addSql(`alter table "trades" drop column "decision_key", drop column "signals";`);
  }

}
