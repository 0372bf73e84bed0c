import type { Client } from "@urql/core";
import { PressMutation, StorefrontCouponQuery } from "./documents.ts";
import { dropPhase } from "./drop-window.ts";
import { createPageView, type ShownCoupon } from "./page-view.ts";
import { type RequestWatch, watchRequest } from "./request-watch.ts";
import type { ServerClock } from "./server-clock.ts";
import type { ShopperIdentity } from "./shopper-identity.ts";
import {
  acceptsPress,
  type ShopperStatus,
  statusOfError,
  statusOfPress,
  withRequestState,
} from "./shopper-status.ts";

export interface StorefrontPageOptions {
  root: ParentNode;
  client: Client;
  clock: ServerClock;
  identity: ShopperIdentity;
  couponId: string;
  /** Where the shopper's request id is kept, so a reload watches it again. */
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  /** The coupon (its remaining stock) is read again this often. Default 3000. */
  refreshMs?: number;
  /** The countdown and the rate limit's wait are redrawn this often. Default 200. */
  tickMs?: number;
}

/**
 * One coupon's page: the coupon, a countdown on the server's clock, the press, and the status of
 * the shopper's request, one `ShopperStatus` at a time.
 */
export function startStorefrontPage({
  root,
  client,
  clock,
  identity,
  couponId,
  storage,
  refreshMs = 3000,
  tickMs = 200,
}: StorefrontPageOptions) {
  const view = createPageView(root);
  let coupon: ShownCoupon | null | undefined;
  /** Why the coupon could not be read, while it never was. */
  let couponError: string | undefined;
  let status: ShopperStatus = { kind: "IDLE" };
  let watch: RequestWatch | undefined;
  const requestKey = `coupon-drop.request.${couponId}.${identity.label}`;

  const phase = () => (coupon ? dropPhase(coupon, clock.now()) : null);
  const pressable = () => phase()?.phase === "OPEN" && acceptsPress(status, Date.now());

  function render() {
    view.show({
      shopper: identity.label,
      coupon,
      couponError,
      phase: phase(),
      status,
      pressable: pressable(),
      localNow: Date.now(),
    });
  }

  async function loadCoupon() {
    const result = await client
      .query(StorefrontCouponQuery, { id: couponId }, { requestPolicy: "network-only" })
      .toPromise();
    if (result.data) {
      coupon = result.data.coupon;
      couponError = undefined;
      if (coupon === null) status = { kind: "NOT_FOUND" };
    } else if (result.error && coupon === undefined) {
      const failed = statusOfError(result.error);
      couponError = "message" in failed ? failed.message : result.error.message;
    }
    render();
  }

  function follow(request: Extract<ShopperStatus, { kind: "REQUEST" }>) {
    watch?.stop();
    storage.setItem(requestKey, request.requestId);
    const same = () => status.kind === "REQUEST" && status.requestId === request.requestId;
    watch = watchRequest({
      client,
      requestId: request.requestId,
      onState: (state) => {
        if (status.kind !== "REQUEST" || !same()) return;
        status = withRequestState(status, state);
        if (state.status !== "PENDING") void loadCoupon();
        render();
      },
      onLive: (live) => {
        if (status.kind !== "REQUEST" || !same()) return;
        status = { ...status, live };
        render();
      },
      // Kept from an earlier visit, and no longer known: the shopper starts afresh.
      onUnknown: () => {
        if (!same()) return;
        storage.removeItem(requestKey);
        status = { kind: "IDLE" };
        render();
      },
    });
  }

  async function press() {
    if (!pressable()) return;
    status = { kind: "PRESSING" };
    render();
    const result = await client.mutation(PressMutation, { couponId }).toPromise();
    status = statusOfPress(result, Date.now());
    // The server says it has not opened: the page's idea of its clock is off, measure again.
    if (status.kind === "NOT_STARTED") void clock.sync().then(render, () => undefined);
    if (status.kind === "REQUEST") follow(status);
    render();
    void loadCoupon();
  }

  view.button.addEventListener("click", () => void press());
  const kept = storage.getItem(requestKey);
  if (kept) {
    status = {
      kind: "REQUEST",
      requestId: kept,
      already: false,
      status: "PENDING",
      failureReason: null,
      live: false,
    };
    follow(status);
  }
  render();
  void loadCoupon();
  const timers = [setInterval(render, tickMs), setInterval(() => void loadCoupon(), refreshMs)];
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
      watch?.stop();
    },
  };
}
