import type { Redis } from "@upstash/redis";
import { RequestNotFoundError } from "#shared/errors/request-not-found-error.ts";
import type { InternalApiClient } from "#shared/internal-api/internal-api-client.ts";
import { isFinalStatus } from "#shared/lifecycle/issue-status.ts";
import { requestRecordFromReply } from "#shared/lifecycle/lua-replies.ts";
import { type RequestView, viewOfRecord } from "#shared/lifecycle/request-view.ts";
import type { AdmissionStore } from "#shared/redis/admission-store.ts";
import { maySeeRequest } from "../identity/ownership.ts";
import type { Caller } from "../identity/resolve-caller.ts";
import { toRedisError } from "../redis/redis-unreachable.ts";
import type { RequestIndex } from "./request-index.ts";

/** What GraphQL's `IssueRequest` resolves from: the lifecycle's view of a request. */
export type IssueRequestView = RequestView;

export interface RequestStatusDeps {
  redis: Redis;
  store: AdmissionStore;
  requestIndex: RequestIndex;
  internalApi: InternalApiClient;
  /** How long a subscription may stay open. */
  timeoutMs: number;
  /** How long a subscription may go without a change before it ends. */
  idleTimeoutMs: number;
}

/**
 * Reads a request's status (Redis first, PostgreSQL when Redis no longer has it) and streams
 * changes, for its owner or an admin only: to anyone else a request is as unknown as an id that
 * was never issued (ownership.ts).
 */
export function createRequestStatus({
  redis,
  store,
  requestIndex,
  internalApi,
  timeoutMs,
  idleTimeoutMs,
}: RequestStatusDeps) {
  async function read(requestId: string): Promise<IssueRequestView | null> {
    const couponId = await requestIndex.lookup(requestId);
    if (couponId !== null) {
      const record = await store.readRequest(couponId, requestId);
      if (record) return viewOfRecord(record);
    }
    return internalApi.getRequest(requestId);
  }

  /** The request as `viewer` may see it: null when unknown, or not theirs. */
  async function get(requestId: string, viewer: Caller | null): Promise<IssueRequestView | null> {
    const view = await read(requestId);
    return view && maySeeRequest(viewer, view.userId) ? view : null;
  }

  /**
   * Yields the current state, then every change, and ends after ISSUED or FAILED, at the timeout,
   * or once no change came for the idle timeout (a stream held open for nothing is a stream to
   * Redis held for nothing). It listens before it reads, so a change between the two is not missed.
   * A request `viewer` may not see fails as an unknown one does, after the same steps.
   */
  async function* watch(
    requestId: string,
    viewer: Caller | null,
    signal?: AbortSignal,
  ): AsyncGenerator<IssueRequestView> {
    const subscriber = redis.subscribe<unknown>(store.keys.statusChannel(requestId));
    const queue: IssueRequestView[] = [];
    let wake: (() => void) | undefined;
    let failure: unknown;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const subscribed = new Promise<void>((resolve, reject) => {
      subscriber.on("subscribe", () => resolve());
      subscriber.on("error", (error) => {
        failure = toRedisError(error);
        reject(failure);
        notify();
      });
    });
    subscriber.on("message", ({ message }) => {
      const record = requestRecordFromReply(message);
      if (record) queue.push(viewOfRecord(record));
      notify();
    });
    const idle = new AbortController();
    let idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
    const changed = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
    };
    const deadline = AbortSignal.any([
      AbortSignal.timeout(timeoutMs),
      idle.signal,
      ...(signal ? [signal] : []),
    ]);
    const stop = new Promise<void>((resolve) =>
      deadline.addEventListener("abort", () => resolve(), { once: true }),
    );
    deadline.addEventListener("abort", notify, { once: true });
    try {
      await Promise.race([subscribed, stop]);
      if (deadline.aborted) return;
      const current = await get(requestId, viewer);
      if (!current) throw new RequestNotFoundError(requestId);
      yield current;
      if (isFinalStatus(current.status)) return;
      let last = current;
      while (!deadline.aborted) {
        if (failure) throw failure;
        const next = queue.shift();
        if (!next) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        if (next.status === last.status && next.updatedAt === last.updatedAt) continue;
        last = next;
        changed();
        yield next;
        if (isFinalStatus(next.status)) return;
      }
    } finally {
      clearTimeout(idleTimer);
      await subscriber.unsubscribe().catch(() => undefined);
    }
  }

  return { get, watch };
}

export type RequestStatus = ReturnType<typeof createRequestStatus>;
