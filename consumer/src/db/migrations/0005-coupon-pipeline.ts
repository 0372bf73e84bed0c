import { Migration } from "@mikro-orm/migrations";

/**
 * A coupon's issue pipeline (shared/src/issue-pipeline.ts): `KAFKA`, what every coupon created
 * before had, or `REDIS_STREAM`. Chosen at creation and never changed: a trigger refuses an update,
 * so no coupon can move while its requests are on their way through the other pipeline (a request
 * admitted for one pipeline is only ever read by that pipeline's workers).
 */
export class CouponPipeline extends Migration {
  override name = "0005-coupon-pipeline";

  up(): void {
    this.addSql(`ALTER TABLE coupon ADD COLUMN pipeline text NOT NULL DEFAULT 'KAFKA'
      CONSTRAINT coupon_pipeline_known CHECK (pipeline IN ('KAFKA', 'REDIS_STREAM'))`);
    this.addSql(`CREATE FUNCTION coupon_pipeline_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'coupon %: pipeline is fixed at creation (% to %)', OLD.id, OLD.pipeline, NEW.pipeline
          USING ERRCODE = 'check_violation';
      END $$`);
    this.addSql(`CREATE TRIGGER coupon_pipeline_fixed BEFORE UPDATE OF pipeline ON coupon
      FOR EACH ROW WHEN (OLD.pipeline IS DISTINCT FROM NEW.pipeline)
      EXECUTE FUNCTION coupon_pipeline_fixed()`);
  }
}
