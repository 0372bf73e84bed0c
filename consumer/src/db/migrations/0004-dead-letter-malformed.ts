import { Migration } from "@mikro-orm/migrations";

/**
 * A record in the dead-letter topic whose headers are not what a worker writes (forged through a
 * writable DLT, or damaged) is still recorded, so that the DLT monitor never stops on it: what could
 * be read goes in the usual columns, and `malformed` says what was wrong with it
 * (consumer/src/dead-letter/read-dlt-record.ts). Null for every record a worker wrote.
 */
export class DeadLetterMalformed extends Migration {
  override name = "0004-dead-letter-malformed";

  up(): void {
    this.addSql("ALTER TABLE dead_letter ADD COLUMN malformed text NULL");
  }
}
