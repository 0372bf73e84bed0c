import type { MigrationObject } from "@mikro-orm/core";
import { InitialSchema } from "./0001-initial-schema.ts";
import { IssuedCountFollowsRows } from "./0002-issued-count-follows-rows.ts";
import { DeadLetterKey } from "./0003-dead-letter-key.ts";
import { DeadLetterMalformed } from "./0004-dead-letter-malformed.ts";
import { CouponPipeline } from "./0005-coupon-pipeline.ts";
import { IssuedCountPerStatement } from "./0006-issued-count-per-statement.ts";

/**
 * Every migration, in order. Listed here rather than discovered from files, so running them needs no
 * directory scan and no TypeScript compiler. A migration, once committed, is never edited: add one.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: "0001-initial-schema", class: InitialSchema },
  { name: "0002-issued-count-follows-rows", class: IssuedCountFollowsRows },
  { name: "0003-dead-letter-key", class: DeadLetterKey },
  { name: "0004-dead-letter-malformed", class: DeadLetterMalformed },
  { name: "0005-coupon-pipeline", class: CouponPipeline },
  { name: "0006-issued-count-per-statement", class: IssuedCountPerStatement },
];
