import { Migration } from "@mikro-orm/migrations";

/**
 * `issued_count` follows the rows per statement instead of per row. 0002's row triggers updated the
 * coupon once for every row inserted, so a worker's batch of n rows for one hot coupon made n
 * versions of that coupon's row inside one transaction: 1.8 ms for a 68-row insert against 1.3 ms
 * counted once per statement (pgbench, one coupon, separate transactions), and quadratic within a
 * long transaction. Now each statement updates each coupon it touched once, by the rows it added,
 * removed or moved (transition tables). The guarantee is the same: the count equals the rows, and
 * `coupon_issued_within_total` refuses the whole statement that would take a coupon past its total.
 * PostgreSQL allows transition tables only on a trigger of one event without a column list, hence
 * three triggers on one function.
 */
export class IssuedCountPerStatement extends Migration {
  override name = "0006-issued-count-per-statement";

  up(): void {
    this.addSql("DROP TRIGGER user_coupon_count_issued ON user_coupon");
    this.addSql("DROP TRIGGER user_coupon_count_moved ON user_coupon");
    this.addSql("DROP FUNCTION user_coupon_count_issued()");
    this.addSql(`CREATE FUNCTION user_coupon_count_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          UPDATE coupon c SET issued_count = c.issued_count + d.n
            FROM (SELECT coupon_id, count(*)::int AS n FROM new_rows GROUP BY coupon_id) d
           WHERE c.id = d.coupon_id;
        ELSIF TG_OP = 'DELETE' THEN
          UPDATE coupon c SET issued_count = c.issued_count - d.n
            FROM (SELECT coupon_id, count(*)::int AS n FROM old_rows GROUP BY coupon_id) d
           WHERE c.id = d.coupon_id;
        ELSE
          -- Rows arriving minus rows leaving, per coupon: an update that moves no row counts nothing.
          UPDATE coupon c SET issued_count = c.issued_count + d.n
            FROM (SELECT coupon_id, sum(n)::int AS n
                    FROM (SELECT coupon_id, 1 AS n FROM new_rows
                          UNION ALL SELECT coupon_id, -1 FROM old_rows) moved
                   GROUP BY coupon_id HAVING sum(n) <> 0) d
           WHERE c.id = d.coupon_id;
        END IF;
        RETURN NULL;
      END
    $$`);
    this.addSql(`CREATE TRIGGER user_coupon_count_inserted AFTER INSERT ON user_coupon
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION user_coupon_count_changes()`);
    this.addSql(`CREATE TRIGGER user_coupon_count_deleted AFTER DELETE ON user_coupon
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION user_coupon_count_changes()`);
    this.addSql(`CREATE TRIGGER user_coupon_count_moved AFTER UPDATE ON user_coupon
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION user_coupon_count_changes()`);
  }
}
