import { z } from "zod";
import { HttpError } from "#shared/http-kit/http-error.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { parseInput } from "#shared/http-kit/parse-input.ts";
import type { Route } from "#shared/http-kit/router.ts";
import { idString } from "#shared/ids.ts";
import { DEAD_LETTER_PAGE, INTERNAL_API_PREFIX } from "#shared/internal-api/contract.ts";
import type { createDeadLetterReplay } from "../dead-letter/dead-letter-replay.ts";
import type { DeadLetterRepository } from "../dead-letter/dead-letter-repository.ts";

export interface DeadLetterRoutesOptions {
  deadLetters: Pick<DeadLetterRepository, "list" | "count" | "get">;
  replay: Pick<ReturnType<typeof createDeadLetterReplay>, "replayOne" | "replayCoupon">;
}

/**
 * Lenient on purpose, as a page size usually is: an unreadable or zero limit is the default page,
 * anything else is held within 1..max.
 */
const pageLimit = (asked: string | undefined) =>
  Math.min(
    DEAD_LETTER_PAGE.max,
    Math.max(1, Number(asked ?? DEAD_LETTER_PAGE.default) || DEAD_LETTER_PAGE.default),
  );

const listQuery = z.object({
  // `?couponId=` with nothing after it filters nothing, as if it were left out.
  couponId: z.preprocess((value) => (value === "" ? undefined : value), idString.optional()),
  limit: z.string().optional().transform(pageLimit),
});
const couponQuery = z.object({ couponId: idString });
const deadLetterPath = z.object({ id: idString });

const BASE = `${INTERNAL_API_PREFIX}/dead-letters`;

/**
 * Admin routes over dead letters:
 *   GET  /internal/dead-letters[?couponId=&limit=]     → { deadLetters, total }  (payloads cut)
 *   GET  /internal/dead-letters/:id                    → { deadLetter }  (the whole payload)
 *   POST /internal/dead-letters/:id/replay             → { results }
 *   POST /internal/dead-letters/replay?couponId=...    → { results }  (every one not replayed yet)
 */
export function deadLetterRoutes({ deadLetters, replay }: DeadLetterRoutesOptions): Route[] {
  return [
    {
      method: "GET",
      path: BASE,
      async handle({ response, query }) {
        const { couponId, limit } = parseInput(listQuery, Object.fromEntries(query), "query");
        const list = await deadLetters.list({ couponId, limit });
        sendJson(response, 200, { deadLetters: list, total: await deadLetters.count() });
      },
    },
    {
      method: "GET",
      path: `${BASE}/:id`,
      async handle({ response, params }) {
        const { id } = parseInput(deadLetterPath, params, "path");
        const deadLetter = await deadLetters.get(id);
        if (deadLetter === null) throw new HttpError(404, `no dead letter has id ${id}`);
        sendJson(response, 200, { deadLetter });
      },
    },
    {
      method: "POST",
      path: `${BASE}/replay`,
      async handle({ response, query }) {
        const { couponId } = parseInput(couponQuery, Object.fromEntries(query), "query");
        sendJson(response, 200, { results: await replay.replayCoupon(couponId) });
      },
    },
    {
      method: "POST",
      path: `${BASE}/:id/replay`,
      async handle({ response, params }) {
        const { id } = parseInput(deadLetterPath, params, "path");
        sendJson(response, 200, { results: [await replay.replayOne(id)] });
      },
    },
  ];
}
