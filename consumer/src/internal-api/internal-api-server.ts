import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { parseId } from "#shared/ids.ts";
import { createCouponInput, INTERNAL_API_PREFIX } from "#shared/internal-api/contract.ts";
import type { CouponService } from "../coupons/coupon-service.ts";
import type { DeadLetterReplayApi } from "./dead-letter-routes.ts";
import { HttpError } from "./http-error.ts";

export interface InternalApiServerOptions {
  coupons: CouponService;
  deadLetters: DeadLetterReplayApi;
  token: string;
  /** Extra routes of the hosting process (health, metrics). */
  fallback?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
  /** Default 64 KiB: the largest legitimate body is a coupon definition. */
  maxBodyBytes?: number;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
}

function authorized(request: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function idParam(value: string | undefined): string {
  const parsed = parseId(value);
  if (!parsed.ok) throw new HttpError(400, `id ${parsed.error}`);
  return parsed.id;
}

const uuid = z.uuid();

/** The control process's internal HTTP API (contract in shared/src/internal-api/contract.ts). */
export function createInternalApiServer({
  coupons,
  deadLetters,
  token,
  fallback,
  maxBodyBytes = 64 * 1024,
}: InternalApiServerOptions): Server {
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://internal");
    if (!url.pathname.startsWith(`${INTERNAL_API_PREFIX}/`)) {
      if (fallback && (await fallback(request, response))) return;
      throw new HttpError(404, `no route ${request.method} ${url.pathname}`);
    }
    if (!authorized(request, token)) throw new HttpError(401, "missing or wrong bearer token");
    const parts = url.pathname.slice(INTERNAL_API_PREFIX.length + 1).split("/");
    const method = request.method ?? "GET";

    if (parts[0] === "coupons" && parts.length === 1 && method === "POST") {
      const parsed = createCouponInput.safeParse(await readJson(request, maxBodyBytes));
      if (!parsed.success)
        throw new HttpError(
          400,
          parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        );
      return send(response, 201, { coupon: await coupons.create(parsed.data) });
    }
    if (parts[0] === "coupons" && parts.length === 2 && method === "GET") {
      const coupon = await coupons.get(idParam(parts[1]));
      return coupon
        ? send(response, 200, { coupon })
        : send(response, 404, { error: "no such coupon" });
    }
    if (parts[0] === "coupons" && parts.length === 3 && parts[2] === "load" && method === "POST") {
      const loaded = await coupons.load(idParam(parts[1]));
      return loaded === null
        ? send(response, 404, { error: "no such coupon" })
        : send(response, 200, { loaded });
    }
    if (parts[0] === "requests" && parts.length === 2 && method === "GET") {
      const requestId = uuid.safeParse(parts[1]);
      if (!requestId.success) throw new HttpError(400, "requestId must be a UUID");
      const found = await coupons.getRequest(requestId.data);
      return found
        ? send(response, 200, { request: found })
        : send(response, 404, { error: "no such request" });
    }
    if (parts[0] === "dead-letters") {
      return send(
        response,
        200,
        await deadLetters.handle(method, parts.slice(1), url.searchParams),
      );
    }
    throw new HttpError(404, `no route ${method} ${url.pathname}`);
  }

  return createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.end();
      if (error instanceof HttpError)
        return send(response, error.status, { error: error.message, status: error.status });
      const retriable = (error as { retriable?: boolean }).retriable === true;
      console.error(`internal API ${request.method} ${request.url} failed:`, error);
      send(response, retriable ? 503 : 500, {
        error: (error as Error).message,
        status: retriable ? 503 : 500,
      });
    });
  });
}
