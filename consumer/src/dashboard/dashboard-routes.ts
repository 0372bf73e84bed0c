import { DASHBOARD_DEFAULTS } from "#shared/defaults.ts";
import { messageOf } from "#shared/errors/message-of.ts";
import { type AccessRule, createAccessGuard } from "#shared/http-kit/access-rule.ts";
import { HttpError } from "#shared/http-kit/http-error.ts";
import { sendJson } from "#shared/http-kit/json-response.ts";
import { createRouter, type RouteContext, type Router } from "#shared/http-kit/router.ts";
import { DASHBOARD_PAGE } from "./dashboard-page.ts";
import type { DropSnapshots } from "./drop-snapshot.ts";

export interface DashboardRoutesOptions {
  snapshots: Pick<DropSnapshots, "read">;
  /**
   * Who may watch: the bearer of `DASHBOARD_TOKEN`, as a Bearer token or as the password of HTTP
   * Basic (user `admin`, which a browser asks for by itself); anyone in development on loopback;
   * nobody when it is unset elsewhere. Default open.
   */
  access?: AccessRule;
  /** Default `DASHBOARD_DEFAULTS.intervalMs`. */
  intervalMs?: number;
  /** Default `DASHBOARD_DEFAULTS.maxStreams`. */
  maxStreams?: number;
}

const MAX_COUPONS = 20;

/** `?coupons=1,2,3`: the coupons to show (digits only); none named, the latest ones. */
function couponIds(query: URLSearchParams): string[] | undefined {
  const raw = query.get("coupons");
  if (!raw) return undefined;
  const ids = raw.split(",").map((id) => id.trim());
  if (ids.length > MAX_COUPONS || !ids.every((id) => /^\d{1,18}$/.test(id)))
    throw new HttpError(400, `coupons: up to ${MAX_COUPONS} coupon ids, comma-separated`);
  return ids;
}

/**
 * The live drop dashboard on the control process: `GET /dashboard` (the page, plain HTML and
 * JavaScript, nothing fetched from elsewhere), `GET /dashboard/events` (a snapshot every interval
 * as Server-Sent Events) and `GET /dashboard/snapshot` (one, as JSON). Protected as `/metrics` is.
 */
export function createDashboardRoutes({
  snapshots,
  access = { kind: "open" },
  intervalMs = DASHBOARD_DEFAULTS.intervalMs,
  maxStreams = DASHBOARD_DEFAULTS.maxStreams,
}: DashboardRoutesOptions): Router {
  const check = createAccessGuard(access, { what: "the dashboard", basicUser: "admin" });
  let streams = 0;

  const guard = ({ request }: RouteContext) => check(request.headers.authorization);

  return createRouter([
    {
      method: "GET",
      path: "/dashboard",
      async handle(context) {
        guard(context);
        context.response.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          // The page runs its own inline script and talks to this origin only.
          "content-security-policy":
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        });
        context.response.end(DASHBOARD_PAGE);
      },
    },
    {
      method: "GET",
      path: "/dashboard/snapshot",
      async handle(context) {
        guard(context);
        sendJson(context.response, 200, await snapshots.read(couponIds(context.query)));
      },
    },
    {
      method: "GET",
      path: "/dashboard/events",
      async handle(context) {
        guard(context);
        const ids = couponIds(context.query);
        if (streams >= maxStreams)
          throw new HttpError(503, `${maxStreams} dashboards are open already`);
        const { request, response } = context;
        streams++;
        response.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        let open = true;
        let timer: NodeJS.Timeout | undefined;
        const send = async () => {
          try {
            const snapshot = await snapshots.read(ids);
            if (open) response.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
          } catch (error) {
            // A dependency away for a moment: the page says so and the next tick tries again.
            if (open)
              response.write(`event: unavailable\ndata: ${JSON.stringify(messageOf(error))}\n\n`);
          }
          if (open) timer = setTimeout(send, intervalMs);
        };
        await new Promise<void>((resolve) => {
          const close = () => {
            if (!open) return;
            open = false;
            streams--;
            clearTimeout(timer);
            resolve();
          };
          request.once("close", close);
          response.once("close", close);
          void send();
        });
        response.end();
      },
    },
  ]);
}
