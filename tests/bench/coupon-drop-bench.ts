// A coupon drop against a running system (`npm start`), with the figures that matter printed:
//   npm run bench:drop -- [--coupons 1000] [--users 50000] [--twice 5000] [--concurrency 500]
//                         [--url http://127.0.0.1:4000/graphql]
// Prints answers by kind, the time to a definite answer (p50/p95/p99/max), presses per second,
// and how long until PostgreSQL holds every coupon issued.
import { parseArgs } from "node:util";
import { createCoupon, startDrop } from "../support/coupon-drop.ts";
import { createGraphqlClient } from "../support/graphql-client.ts";
import { waitUntil } from "../support/wait.ts";

const { values } = parseArgs({
  options: {
    coupons: { type: "string", default: "1000" },
    users: { type: "string", default: "50000" },
    twice: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "500" },
    url: { type: "string", default: "http://127.0.0.1:4000/graphql" },
  },
});
const [coupons, users, twice, concurrency] = [
  values.coupons,
  values.users,
  values.twice,
  values.concurrency,
].map(Number) as [number, number, number, number];
if (
  ![coupons, users, twice, concurrency].every((n) => Number.isInteger(n) && n > 0) ||
  twice > users
) {
  console.error(
    "--coupons, --users, --twice and --concurrency are positive integers; --twice <= --users",
  );
  process.exit(2);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

const gql = createGraphqlClient(values.url);
const couponId = await createCoupon(gql, coupons);
const started = performance.now();
const drop = await startDrop(gql, { couponId, users, twice, concurrency, attempts: 1 }).done;
const elapsedS = (performance.now() - started) / 1000;

const issuedCount = async () =>
  (
    await gql.request<{ coupon: { issuedCount: number } }>(
      "query($id: ID!) { coupon(id: $id) { issuedCount } }",
      { id: couponId },
    )
  ).data?.coupon.issuedCount ?? 0;
await waitUntil(async () => (await issuedCount()) >= drop.accepted, {
  timeoutMs: 120_000,
  intervalMs: 100,
  what: "every accepted request in PostgreSQL",
});
const durableS = (performance.now() - started) / 1000;

const sorted = [...drop.latenciesMs].sort((a, b) => a - b);
const ms = (v: number) => `${v.toFixed(1)} ms`;
console.log(
  `coupon ${couponId}: ${coupons} coupons, ${drop.sent} presses from ${users} users (${twice} twice), ${concurrency} at a time`,
);
console.log(`answers      ${JSON.stringify(drop.answers)}  without answer: ${drop.unanswered}`);
console.log(
  `answer time  p50 ${ms(percentile(sorted, 50))}  p95 ${ms(percentile(sorted, 95))}  p99 ${ms(percentile(sorted, 99))}  max ${ms(sorted.at(-1) ?? Number.NaN)}`,
);
console.log(
  `throughput   ${(drop.sent / elapsedS).toFixed(0)} presses/s (${elapsedS.toFixed(2)} s for the drop)`,
);
console.log(
  `durable      all ${drop.accepted} accepted in PostgreSQL ${durableS.toFixed(2)} s after the first press`,
);
