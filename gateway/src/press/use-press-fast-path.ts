import type { ExecutionResult } from "graphql";
import { type Plugin, processRegularResult, type YogaServerInstance } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import { pathOf } from "#shared/http-kit/request-path.ts";
import type { IssueCouponResult } from "../admission/issue-coupon.ts";
import { type ClientAddressOptions, rateLimitAddress } from "../identity/client-address.ts";
import type { Caller, ResolveCaller } from "../identity/resolve-caller.ts";
import {
  type GraphQLParams,
  paramsAfterTrustedDocuments,
  type TrustedDocuments,
} from "../protection/trusted-documents.ts";
import { idArg } from "../schema/args.ts";
import type { GatewayContext, GatewayServices } from "../schema/builder.ts";
import { compilePressPlan, type PressPlan, type PressShape } from "./press-plan.ts";
import { type RegularMediaType, regularMediaType } from "./regular-media-type.ts";

/** What the runtime hands Yoga beside the request (app.ts `GatewayServerContext`). */
interface ServerContext {
  clientAddress?: string;
}

export interface PressFastPathOptions {
  /**
   * The gateway's services: the press runs `issueCoupon`; a selection the plan leaves to Yoga's
   * executor (a watch token, a value graphql-js refuses) is resolved with the rest, as in Yoga.
   */
  services: GatewayServices;
  resolveCaller: ResolveCaller;
  addressOptions: ClientAddressOptions;
  trustedDocuments: TrustedDocuments;
  devMode: boolean;
  /** Default `/graphql`. */
  graphqlEndpoint?: string;
  /** A larger body is no press and is left to Yoga unread. Default 8 KiB. */
  maxPressBytes?: number;
  /** Document texts the plans are kept for, qualifying or not (least recently used go). Default 500. */
  maxPlans?: number;
  /** Told of each press the fast path answered (the gateway counts them). */
  onAnswered?: () => void;
}

/** The parameters Yoga's `useCheckGraphQLQueryParams` lets through; any other is refused there. */
const GRAPHQL_PARAMS = new Set(["query", "variables", "operationName", "extensions"]);

function objectOrAbsent(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === "object" && !Array.isArray(value))
  );
}

/** Whether Yoga's parameter check (use-check-graphql-query-params.js) passes these. */
function wellFormed(params: GraphQLParams): params is GraphQLParams & { query: string } {
  for (const key in params) if (params[key] != null && !GRAPHQL_PARAMS.has(key)) return false;
  return (
    typeof params.query === "string" &&
    objectOrAbsent(params.variables) &&
    objectOrAbsent(params.extensions)
  );
}

/** Yoga's test for a JSON POST (request-parser/post-json.js): only these pass CSRF without a header. */
function isJsonContentType(contentType: string | null): boolean {
  const first = contentType?.split(",")[0];
  if (first === undefined) return false;
  return ["application/json", "application/graphql+json"].some(
    (type) => first === type || first.startsWith(`${type};`),
  );
}

type Settled = { ok: true; result: IssueCouponResult } | { ok: false; error: unknown };

/**
 * The press, the one operation fifty thousand people send in the same second, answered in Yoga's
 * `onRequest` (as the metrics endpoint is) without the rest of Yoga's per-request machinery, with
 * the bytes Yoga would answer. Any document qualifies whose one operation is a mutation selecting
 * only `issueCoupon` (and `__typename`): the project's, or an app's with its own operation name,
 * selections, aliases, fragments, `@skip`/`@include` and Apollo's `__typename`s, the id a variable
 * or a literal, sent as text or by trusted-document id. Each document text is parsed and validated
 * once by Yoga's own parser and validator (so the operation limits and introspection rules are the
 * ones Yoga applies) and compiled into a plan (press-plan.ts), kept in an LRU cache with the texts
 * that did not qualify.
 *
 * Whatever the plan cannot answer as Yoga would is left to Yoga before anything ran: another
 * document, a refused token, no caller, a bad id, variables that do not coerce, a batch, a body
 * that is not JSON or too big, an Accept that asks for a stream. Once the press ran, a result
 * graphql-js would word (an error, a value its type refuses) is completed by Yoga's own executor
 * over the settled outcome, its errors masked by Yoga's mask, so codes, `path` and `locations` are
 * Yoga's. The answer's media type is negotiated as Yoga's result processors negotiate it
 * (regular-media-type.ts) and serialized by Yoga's `processRegularResult` (status codes per
 * GraphQL over HTTP); CORS and `Vary` are added by the plugins' `onResponse`, which Yoga runs for an
 * answer ended in `onRequest` too.
 *
 * Its place is after every plugin that acts in `onRequest` (the metrics endpoint, the body limit):
 * they run for every press. The checks Yoga makes after `onRequest` hold for a press too: CSRF (a
 * JSON body always needs a preflight, and only JSON is taken), the trusted documents
 * (`paramsAfterTrustedDocuments`, the same store and rules), the parameter check, the operation
 * limits and the validation rules (Yoga's own validator, once per document), no mutation by GET.
 * A plugin added later that acts on parsed operations (`onParams`, `onExecute`, `onResultProcess`)
 * must be placed before this one or give presses a way through, or it will not see them.
 */
export function usePressFastPath({
  services,
  resolveCaller,
  addressOptions,
  trustedDocuments,
  devMode,
  graphqlEndpoint = "/graphql",
  maxPressBytes = 8192,
  maxPlans = 500,
  onAnswered = () => undefined,
}: PressFastPathOptions): Plugin<GatewayContext> {
  let yoga: YogaServerInstance<ServerContext, GatewayContext> | undefined;
  // `false`: the text was compiled and is no press. Keyed by the text itself: a client sends the
  // same few documents again and again, and hashing would cost more than the lookup.
  const plans = new LRUCache<string, PressPlan | false>({ max: maxPlans });

  function planFor(query: string, request: Request): PressPlan | null {
    const known = plans.get(query);
    if (known !== undefined) return known || null;
    const plan = compile(query, request);
    plans.set(query, plan ?? false);
    return plan;
  }

  /** Parsed and validated by Yoga's envelop: the same parser limits and rules as Yoga's own run. */
  function compile(query: string, request: Request): PressPlan | null {
    if (!yoga) return null;
    const { parse, validate, schema } = yoga.getEnveloped({ request, params: { query } } as never);
    try {
      const document = parse(query);
      if (validate(schema, document).length > 0) return null;
      return compilePressPlan(schema, document);
    } catch {
      return null;
    }
  }

  /** The answer graphql-js gives for the settled press: Yoga's executor and mask over it. */
  async function completeByYoga(
    plan: PressPlan,
    params: GraphQLParams,
    request: Request,
    context: { caller: Caller; rateLimitAddress: string | null },
    settled: Settled,
  ): Promise<ExecutionResult> {
    if (!yoga) throw new Error("the press fast path runs inside Yoga only");
    // The press ran once already: the executor's resolver gets its outcome, not a second press.
    const pressed: GatewayServices = {
      ...services,
      issueCoupon: async () => {
        if (settled.ok) return settled.result;
        throw settled.error;
      },
    };
    const contextValue: GatewayContext = { ...context, devMode, services: pressed, request };
    const enveloped = yoga.getEnveloped({ request, params } as never);
    return (await enveloped.execute({
      schema: enveloped.schema,
      document: plan.document,
      variableValues: params.variables as Record<string, unknown> | undefined,
      operationName: params.operationName as string | undefined,
      contextValue,
    })) as ExecutionResult;
  }

  async function answer(
    request: Request,
    body: string,
    serverContext: ServerContext,
    mediaType: RegularMediaType,
    fetchAPI: { Response: typeof Response },
  ): Promise<Response | null> {
    let sent: unknown;
    try {
      sent = JSON.parse(body);
    } catch {
      return null;
    }
    if (typeof sent !== "object" || sent === null || Array.isArray(sent)) return null;
    const params = await paramsAfterTrustedDocuments(trustedDocuments, sent as GraphQLParams);
    if (params === null || !wellFormed(params)) return null;
    const plan = planFor(params.query, request);
    if (plan === null) return null;
    if (params.operationName != null && params.operationName !== plan.operationName) return null;
    const shape: PressShape | null = plan.shape(params.variables as Record<string, unknown>);
    if (shape === null) return null;
    let couponId: string;
    let caller: Caller | null;
    try {
      couponId = idArg(shape.couponId as string, "couponId");
      caller = await resolveCaller(request);
    } catch {
      return null;
    }
    if (caller === null) return null;
    const address = rateLimitAddress(request, serverContext.clientAddress, addressOptions);
    let settled: Settled;
    try {
      settled = {
        ok: true,
        result: await services.issueCoupon(couponId, { userId: caller.userId, address }),
      };
    } catch (error) {
      settled = { ok: false, error };
    }
    const result =
      (settled.ok && shape.render(settled.result.kind, settled.result)) ||
      (await completeByYoga(plan, params, request, { caller, rateLimitAddress: address }, settled));
    return processRegularResult(result, fetchAPI as never, mediaType);
  }

  return {
    onYogaInit({ yoga: server }) {
      yoga = server as unknown as YogaServerInstance<ServerContext, GatewayContext>;
    },
    async onRequest({ request, serverContext, fetchAPI, setRequest, endResponse }) {
      if (request.method !== "POST" || pathOf(request.url) !== graphqlEndpoint) return;
      // A body without a declared length (chunked, or a Request built in-process) was read and
      // bounded by the body limit already; its size is checked once it is read.
      const declared = request.headers.get("content-length");
      if (declared !== null && !(Number(declared) > 0 && Number(declared) <= maxPressBytes)) return;
      if (!isJsonContentType(request.headers.get("content-type"))) return;
      // An Accept that asks for a stream is Yoga's to answer, and known before the body is read.
      const mediaType = regularMediaType(request.headers.get("accept"));
      if (mediaType === null) return;
      const body = await request.text();
      const response =
        body.length > maxPressBytes
          ? null
          : await answer(request, body, serverContext as ServerContext, mediaType, fetchAPI);
      if (response !== null) {
        onAnswered();
        endResponse(response);
        return;
      }
      // Declined: Yoga reads the body again from a request like the one that came.
      const { method, headers, signal } = request;
      setRequest(new fetchAPI.Request(request.url, { method, headers, body, signal }));
    },
  };
}
