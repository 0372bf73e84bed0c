import { Migration } from "@mikro-orm/migrations";

/**
 * 0001's trigger counts inserts only, so two ways around the final check remained: moving a row to
 * another coupon (`UPDATE user_coupon SET coupon_id = ...`) added a row to a coupon without counting
 * it, and deleting a row left `issued_count` above the number of rows, so the count and the rows the
 * admission state is rebuilt from disagreed. The count now follows every change of a row's coupon.
 */
export class IssuedCountFollowsRows extends Migration {
  override name = "0002-issued-count-follows-rows";

  up(): void {
    this.addSql(`CREATE OR REPLACE FUNCTION user_coupon_count_issued() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
          UPDATE coupon SET issued_count = issued_count - 1 WHERE id = OLD.coupon_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          UPDATE coupon SET issued_count = issued_count + 1 WHERE id = NEW.coupon_id;
        END IF;
        RETURN NULL;
      END
    $$`);
    this.addSql("DROP TRIGGER user_coupon_count_issued ON user_coupon");
    this.addSql(`CREATE TRIGGER user_coupon_count_issued AFTER INSERT OR DELETE ON user_coupon
      FOR EACH ROW EXECUTE FUNCTION user_coupon_count_issued()`);
    // Only a real move: `SET coupon_id = coupon_id` on a full coupon would otherwise count +1 first and fail.
    this.addSql(`CREATE TRIGGER user_coupon_count_moved AFTER UPDATE OF coupon_id ON user_coupon
      FOR EACH ROW WHEN (OLD.coupon_id IS DISTINCT FROM NEW.coupon_id)
      EXECUTE FUNCTION user_coupon_count_issued()`);
  }
}
