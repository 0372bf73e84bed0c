import {
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  Kind,
  locatedError,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import { TOKEN_HEADER_KEY } from "graphql-sse";
import { processRegularResult } from "graphql-yoga";
import type { IssueCoupon, IssueCouponResult } from "../admission/issue-coupon.ts";
import { type ClientAddressOptions, rateLimitAddress } from "../identity/client-address.ts";
import type { ResolveCaller } from "../identity/resolve-caller.ts";
import { ISSUE_COUPON } from "../project-documents.ts";
import type { TrustedDocumentsMode } from "../protection/trusted-documents.ts";
import { idArg } from "../schema/args.ts";
import type { createErrorMask } from "../schema/mask-error.ts";

/** The request headers the fast path reads: a `Headers`, or a Node request's seen through `get`. */
export type HeaderReader = Pick<Headers, "get">;

/** A press as it arrived: its headers, its whole body, and the socket's peer. */
export interface PressInput {
  headers: HeaderReader;
  body: string;
  clientAddress?: string;
}

/** An answer, plain, for any runtime to send. */
export interface PressAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface PressFastPathOptions {
  issueCoupon: IssueCoupon;
  resolveCaller: ResolveCaller;
  errors: ReturnType<typeof createErrorMask>;
  addressOptions: ClientAddressOptions;
  trustedDocuments: TrustedDocumentsMode;
  /** The press document's id (protection/trusted-documents.ts `documentId`), for the id form. */
  issueCouponDocumentId: Promise<string>;
  /** Configured CORS origins: a request with an `Origin` then takes the whole path. */
  corsOrigins: readonly string[];
  maxBodyBytes: number;
}

/** A press body is a few hundred bytes; anything larger is not one and is left to Yoga unread. */
const MAX_PRESS_BYTES = 2048;

/** What Yoga answers `application/json` to (`*` or nothing named): the fast path answers only these. */
const PLAIN_JSON_ACCEPT = new Set([null, "*/*", "application/json"]);

const document = parse(ISSUE_COUPON);
const operation = document.definitions[0] as OperationDefinitionNode;
const issueCouponField = operation.selectionSet.selections[0] as FieldNode;

/** The fields the press document selects on each result type, in the document's order. */
const selectedFields: ReadonlyMap<string, readonly string[]> = new Map(
  (issueCouponField.selectionSet?.selections ?? []).flatMap((selection) =>
    selection.kind === Kind.INLINE_FRAGMENT && selection.typeCondition
      ? [
          [
            selection.typeCondition.name.value,
            selection.selectionSet.selections.flatMap((field) =>
              field.kind === Kind.FIELD ? [field.name.value] : [],
            ),
          ] as const,
        ]
      : [],
  ),
);

/** `{ data: { issueCoupon: ... } }` as graphql-js would answer the press document for `result`. */
function dataOf(result: IssueCouponResult): ExecutionResult {
  const fields: Record<string, unknown> = { __typename: result.kind };
  for (const name of selectedFields.get(result.kind) ?? [])
    fields[name] = (result as unknown as Record<string, unknown>)[name];
  return { data: { issueCoupon: fields } };
}

function variablesOnlyCouponId(variables: unknown): string | number | undefined {
  if (typeof variables !== "object" || variables === null) return undefined;
  const keys = Object.keys(variables);
  if (keys.length !== 1 || keys[0] !== "couponId") return undefined;
  const { couponId } = variables as { couponId: unknown };
  return typeof couponId === "string" ||
    (typeof couponId === "number" && Number.isInteger(couponId))
    ? couponId
    : undefined;
}

/**
 * The press, the one operation fifty thousand people send in the same second, answered without
 * Yoga's per-request machinery, with the same answer Yoga gives. Only the project's own press
 * document qualifies (`ISSUE_COUPON`, as text or by trusted-document id as the mode allows), with
 * `couponId` its only variable, JSON in and plain JSON out, no CORS to apply; the caller and the id
 * are checked by the same functions the resolver uses. Whatever the fast path would answer
 * differently from Yoga (a refused token, no caller, a bad id, another document, a batch, a
 * stream) it does not answer at all: the request goes to Yoga unchanged, before anything ran.
 * Once the press ran, its errors are located, masked and serialized as Yoga does
 * (`processRegularResult`), so codes, `path` and `locations` are the same.
 *
 * Everything Yoga's plugins check before a press runs holds here: the body limit (by
 * `Content-Length`), CSRF (a JSON body needs a preflight), trusted documents, operation limits
 * (the press document is within them).
 */
export function createPressFastPath({
  issueCoupon,
  resolveCaller,
  errors,
  addressOptions,
  trustedDocuments,
  issueCouponDocumentId,
  corsOrigins,
  maxBodyBytes,
}: PressFastPathOptions) {
  const maxBytes = Math.min(MAX_PRESS_BYTES, maxBodyBytes);
  const extraHeaders: Record<string, string> = corsOrigins.length > 0 ? { vary: "Origin" } : {};
  let documentId: string | undefined;

  /** Whether `body` runs the press document; `id` is its trusted-document id, for the id form. */
  function isPressDocument(body: Record<string, unknown>, id: string | undefined): boolean {
    const { query, extensions, operationName } = body;
    if (operationName !== undefined && operationName !== null && operationName !== "Issue")
      return false;
    if (trustedDocuments !== "only" && query === ISSUE_COUPON && extensions === undefined)
      return true;
    if (trustedDocuments === "off" || query !== undefined || id === undefined) return false;
    const persisted = (
      extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } }
    )?.persistedQuery;
    return (
      typeof extensions === "object" &&
      extensions !== null &&
      Object.keys(extensions).length === 1 &&
      persisted?.version === 1 &&
      persisted.sha256Hash === id
    );
  }

  function errorAnswer(error: unknown): Promise<PressAnswer> {
    const located = locatedError(error, [issueCouponField], ["issueCoupon"]);
    const masked = errors.maskError(located, "Unexpected error.");
    // As Yoga's own wrapper: an error the mask replaced is logged (the mask's logger skips the
    // ones it has dealt with already).
    if (masked !== located) errors.logger.error(located);
    const result: ExecutionResult = {
      errors: [masked instanceof GraphQLError ? masked : located],
      data: null,
    };
    const response = processRegularResult(result, { Response } as never, "application/json");
    return plain(response);
  }

  async function plain(response: Response): Promise<PressAnswer> {
    const headers: Record<string, string> = { ...extraHeaders };
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, headers, body: await response.text() };
  }

  return {
    /**
     * Whether a request may be a press, from what is known before its body is read: a JSON POST to
     * /graphql, small, with a declared length, answered as plain JSON, without CORS to apply.
     */
    mayBePress(method: string, path: string, headers: HeaderReader): boolean {
      if (method !== "POST" || path !== "/graphql") return false;
      const length = Number(headers.get("content-length") ?? Number.NaN);
      if (!(length > 0 && length <= maxBytes)) return false;
      if (!headers.get("content-type")?.startsWith("application/json")) return false;
      if (!PLAIN_JSON_ACCEPT.has(headers.get("accept"))) return false;
      // An operation for a graphql-sse single-connection stream is answered on that stream
      // (transports/graphql-sse-single-connection.ts), not here.
      if (headers.get(TOKEN_HEADER_KEY) !== null) return false;
      return corsOrigins.length === 0 || headers.get("origin") === null;
    },

    /** The answer to a press, or null when it is not one the fast path answers (Yoga does). */
    async answer({ headers, body, clientAddress }: PressInput): Promise<PressAnswer | null> {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return null;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
      const request = parsed as Record<string, unknown>;
      // The id is hashed once (Web Crypto is asynchronous), and only when a client sends ids.
      const byId = trustedDocuments !== "off" && request.query === undefined;
      if (byId) documentId ??= await issueCouponDocumentId;
      if (!isPressDocument(request, byId ? documentId : undefined)) return null;
      const rawCouponId = variablesOnlyCouponId(request.variables);
      if (rawCouponId === undefined) return null;
      let couponId: string;
      let caller: Awaited<ReturnType<ResolveCaller>>;
      try {
        couponId = idArg(rawCouponId, "couponId");
        caller = await resolveCaller({ headers });
      } catch {
        return null;
      }
      if (caller === null) return null;
      try {
        const result = await issueCoupon(couponId, {
          userId: caller.userId,
          address: rateLimitAddress({ headers }, clientAddress, addressOptions),
        });
        return {
          status: 200,
          headers: { "content-type": "application/json; charset=utf-8", ...extraHeaders },
          body: JSON.stringify(dataOf(result)),
        };
      } catch (error) {
        return errorAnswer(error);
      }
    },
  };
}

export type PressFastPath = ReturnType<typeof createPressFastPath>;
