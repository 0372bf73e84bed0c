import { Migration } from "@mikro-orm/migrations";

/**
 * A dead letter was unique by its DLT record's (topic, partition, offset), but offsets repeat when a
 * topic is created again while PostgreSQL stays: a new dead letter at an old offset was taken for the
 * old one and dropped. Dead letters are now unique by `letter_key`, the identity the worker names
 * each one with (consumer/src/dead-letter/dead-letter-key.ts). Every row is kept; a row recorded
 * before this gets the key a redelivery of its record would get, built from what the row stores: its
 * coordinates and the worker's `x-last-failure-at` header (`legacyDeadLetterKey`, which must agree).
 */
export class DeadLetterKey extends Migration {
  override name = "0003-dead-letter-key";

  up(): void {
    this.addSql("ALTER TABLE dead_letter ADD COLUMN letter_key text");
    this.addSql(`UPDATE dead_letter
      SET letter_key = 'legacy:' || topic || '/' || partition || '/' || "offset" || '/'
                       || coalesce(headers ->> 'x-last-failure-at', '')`);
    this.addSql("ALTER TABLE dead_letter ALTER COLUMN letter_key SET NOT NULL");
    this.addSql("ALTER TABLE dead_letter DROP CONSTRAINT dead_letter_record_unique");
    this.addSql(
      "ALTER TABLE dead_letter ADD CONSTRAINT dead_letter_letter_key_unique UNIQUE (letter_key)",
    );
  }
}
