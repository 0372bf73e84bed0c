import { parseId } from "#shared/ids.ts";
import { DEAD_LETTER_PAGE } from "#shared/internal-api/contract.ts";
import type { createDeadLetterReplay } from "../dead-letter/dead-letter-replay.ts";
import type { DeadLetterRepository } from "../dead-letter/dead-letter-repository.ts";
import { HttpError } from "./http-error.ts";

export interface DeadLetterReplayApi {
  handle(method: string, path: string[], query: URLSearchParams): Promise<unknown>;
}

function id(value: string | null | undefined, what: string): string {
  const parsed = parseId(value ?? undefined);
  if (!parsed.ok) throw new HttpError(400, `${what} ${parsed.error}`);
  return parsed.id;
}

/**
 * Admin routes over dead letters:
 *   GET  /internal/dead-letters[?couponId=&limit=]     → { deadLetters, total }
 *   POST /internal/dead-letters/:id/replay             → { results }
 *   POST /internal/dead-letters/replay?couponId=...    → { results }  (every one not replayed yet)
 */
export function createDeadLetterRoutes(
  repository: DeadLetterRepository,
  replay: ReturnType<typeof createDeadLetterReplay>,
): DeadLetterReplayApi {
  return {
    async handle(method, path, query) {
      if (method === "GET" && path.length === 0) {
        const couponId = query.get("couponId");
        const asked =
          Number(query.get("limit") ?? DEAD_LETTER_PAGE.default) || DEAD_LETTER_PAGE.default;
        const limit = Math.min(DEAD_LETTER_PAGE.max, Math.max(1, asked));
        const deadLetters = await repository.list({
          couponId: couponId ? id(couponId, "couponId") : undefined,
          limit,
        });
        return { deadLetters, total: await repository.count() };
      }
      if (method === "POST" && path.length === 2 && path[1] === "replay") {
        return { results: [await replay.replayOne(id(path[0], "dead letter id"))] };
      }
      if (method === "POST" && path.length === 1 && path[0] === "replay") {
        return { results: await replay.replayCoupon(id(query.get("couponId"), "couponId")) };
      }
      throw new HttpError(404, `no route ${method} /internal/dead-letters/${path.join("/")}`);
    },
  };
}
