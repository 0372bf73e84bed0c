import { join } from "node:path";

/** Where the local stack keeps what it makes: broker jars and data, logs. Git ignores it. */
export const REPO_ROOT = join(import.meta.dirname, "..", "..");
export const DATA_DIR = process.env.COUPON_DROP_DATA_DIR ?? join(REPO_ROOT, ".data");
