import { type DropPhase, formatCountdown } from "./drop-window.ts";
import type { StorefrontCouponQuery } from "./gql/graphql.ts";
import { describeStatus, type ShopperStatus } from "./shopper-status.ts";

export type ShownCoupon = NonNullable<StorefrontCouponQuery["coupon"]>;

export interface PageModel {
  shopper: string;
  /** Undefined while loading; null when the gateway does not know it. */
  coupon: ShownCoupon | null | undefined;
  /** Why the coupon could not be read, while it never was. */
  couponError?: string | undefined;
  phase: DropPhase | null;
  status: ShopperStatus;
  pressable: boolean;
  localNow: number;
}

/** The page's elements, found once; `show` writes a model into them (text only, no markup). */
export function createPageView(root: ParentNode) {
  const field = (name: string) => {
    const element = root.querySelector<HTMLElement>(`[data-field="${name}"]`);
    if (!element) throw new Error(`the page has no [data-field="${name}"]`);
    return element;
  };
  const [shopper, name, remaining, total, countdown, statusBox, headline, detail] = [
    "shopper",
    "name",
    "remaining",
    "total",
    "countdown",
    "status",
    "headline",
    "detail",
  ].map(field) as [
    HTMLElement,
    HTMLElement,
    HTMLElement,
    HTMLElement,
    HTMLElement,
    HTMLElement,
    HTMLElement,
    HTMLElement,
  ];
  const button = root.querySelector<HTMLButtonElement>('button[data-action="press"]');
  if (!button) throw new Error('the page has no button[data-action="press"]');
  const set = (element: HTMLElement, text: string) => {
    if (element.textContent !== text) element.textContent = text;
  };

  function buttonLabel({ status, phase, pressable, localNow }: PageModel): string {
    if (status.kind === "PRESSING") return "Sending…";
    if (status.kind === "SOLD_OUT") return "Sold out";
    if (status.kind === "REQUEST" && !pressable)
      return { PENDING: "Requested", ISSUED: "Issued", FAILED: "Not issued" }[status.status];
    if (status.kind === "RATE_LIMITED" && !pressable)
      return `Wait ${Math.ceil((status.retryAt - localNow) / 1000)} s`;
    if (phase?.phase === "BEFORE") return "Opens soon";
    if (phase?.phase === "AFTER") return "Ended";
    return "Get the coupon";
  }

  return {
    button,
    show(model: PageModel) {
      const { coupon, phase, status, localNow } = model;
      set(shopper, model.shopper);
      set(
        name,
        coupon === undefined
          ? (model.couponError ?? "Loading…")
          : (coupon?.name ?? "No such coupon"),
      );
      set(remaining, coupon ? coupon.remaining.toLocaleString("en") : "–");
      set(total, coupon ? coupon.totalQuantity.toLocaleString("en") : "–");
      const when =
        phase === null
          ? ""
          : phase.phase === "BEFORE"
            ? `Opens in ${formatCountdown(phase.startsInMs)}`
            : phase.phase === "OPEN"
              ? phase.endsInMs === null
                ? "Open now"
                : `Open now: ends in ${formatCountdown(phase.endsInMs)}`
              : "This drop has ended";
      set(countdown, when);
      countdown.dataset.phase = phase?.phase ?? "";
      const text = describeStatus(status, localNow);
      statusBox.dataset.status = text.code;
      statusBox.dataset.live = status.kind === "REQUEST" ? String(status.live) : "";
      set(headline, text.headline);
      set(detail, text.detail);
      button.disabled = !model.pressable;
      set(button, buttonLabel(model));
    },
  };
}
