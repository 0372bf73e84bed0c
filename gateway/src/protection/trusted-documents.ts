import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import type { Plugin } from "graphql-yoga";

/**
 * `off`: any operation (the default). `allow`: a trusted document by id, or any operation, for
 * moving clients over. `only`: trusted documents by id and nothing else, so whoever reaches the
 * gateway can run what the project's clients run and not one operation more.
 */
export type TrustedDocumentsMode = "off" | "allow" | "only";

/** Trusted documents by id: a manifest's ids as its tool computed them, beside the project's own. */
export interface TrustedDocumentStore {
  /** The document's text, or null when no trusted document has this id. */
  get(id: string): Promise<string | null>;
}

export interface TrustedDocumentStoreOptions {
  /** Documents known by `documentId` of their text (the project's own clients' documents). */
  documents: readonly string[];
  /** Documents by the id a client sends for them (config.ts reads them from a manifest). */
  byId?: ReadonlyMap<string, string>;
}

/** A document's id: the hex SHA-256 of its text, as Apollo's persisted-query extension sends it. */
export async function documentId(document: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(document));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function createTrustedDocumentStore({
  documents,
  byId = new Map(),
}: TrustedDocumentStoreOptions): TrustedDocumentStore {
  let all: Map<string, string> | undefined;
  let hashing: Promise<Map<string, string>> | undefined;
  // Hashed once, on first use: Web Crypto is asynchronous, and the app is built synchronously.
  const load = () => {
    hashing ??= Promise.all(
      documents.map(async (document) => [await documentId(document), document] as const),
    ).then((entries) => {
      all = new Map([...byId, ...entries]);
      return all;
    });
    return hashing;
  };
  return {
    async get(id) {
      return (all ?? (await load())).get(id) ?? null;
    },
  };
}

/** The GraphQL-over-HTTP parameters a request carries, as Yoga's request parser hands them on. */
export type GraphQLParams = Record<string, unknown>;

/** The id in `extensions.persistedQuery`, read as Yoga's persisted-operations plugin reads it. */
export function persistedQueryId(params: GraphQLParams): string | null {
  const persisted = (params.extensions as { persistedQuery?: unknown } | null | undefined)
    ?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | null | undefined;
  return typeof params.extensions === "object" &&
    persisted !== null &&
    typeof persisted === "object" &&
    persisted.version === 1 &&
    typeof persisted.sha256Hash === "string"
    ? persisted.sha256Hash
    : null;
}

export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  store: TrustedDocumentStore;
}

/**
 * The parameters Yoga goes on with once the trusted-documents plugin has seen these: the same
 * ones, the trusted document's text in place of an id, or null where the plugin refuses them (a
 * query in `only` mode, an id missing or unknown). The press fast path asks this, so a press by id
 * runs exactly what Yoga would run.
 */
export async function paramsAfterTrustedDocuments(
  { mode, store }: TrustedDocuments,
  params: GraphQLParams,
): Promise<GraphQLParams | null> {
  if (mode === "off") return params;
  if (params.query) return mode === "allow" ? params : null;
  const id = persistedQueryId(params);
  const query = id === null ? null : await store.get(id);
  if (query === null) return null;
  const { operationName, variables, extensions } = params;
  return { query, operationName, variables, extensions };
}

/**
 * Yoga's persisted-operations plugin over the trusted documents. A client sends
 * `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<id>"}}, "variables": ...}`
 * (POST, or the same as GET parameters) instead of `query`. An unknown id is answered
 * `PERSISTED_QUERY_NOT_FOUND`, the code Apollo's persisted-query link retries on with the full
 * query (which `allow` mode runs and `only` mode refuses).
 */
export function trustedDocumentPlugins({ mode, store }: TrustedDocuments): Plugin[] {
  if (mode === "off") return [];
  return [
    usePersistedOperations({
      allowArbitraryOperations: mode === "allow",
      getPersistedOperation: (id) => store.get(id),
      customErrors: {
        persistedQueryOnly: {
          message:
            "this gateway runs trusted documents only: send the document's id in extensions.persistedQuery.sha256Hash, not a query",
          extensions: { code: "PERSISTED_QUERY_ONLY" },
        },
        notFound: {
          message: "no trusted document has this id",
          extensions: { code: "PERSISTED_QUERY_NOT_FOUND" },
        },
        keyNotFound: {
          message: "send a trusted document's id in extensions.persistedQuery.sha256Hash",
          extensions: { code: "PERSISTED_QUERY_ID_REQUIRED" },
        },
      },
    }),
  ];
}

/** An operation's parameters as a client sends them: `query`, or a trusted document's id. */
export interface OperationParams {
  query?: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

/**
 * The same rule for a transport that does not pass Yoga's request pipeline (graphql-ws: a
 * WebSocket message reaches only Yoga's envelop, where no `onParams` hook runs): the parameters
 * with the trusted document's text as `query`, or the plugin's own coded error thrown. The rule
 * itself is the plugin's, run here as Yoga would run it.
 */
export function createTrustedParams(
  trusted: TrustedDocuments,
): (params: OperationParams) => Promise<OperationParams> {
  const [plugin] = trustedDocumentPlugins(trusted);
  if (plugin === undefined) return async (params) => params;
  return async (params) => {
    let resolved = params;
    await plugin.onParams?.({
      params,
      setParams: (next: OperationParams) => {
        resolved = next;
      },
      // The plugin reads neither the request nor the context for these options.
      request: undefined,
      context: {},
    } as unknown as Parameters<NonNullable<Plugin["onParams"]>>[0]);
    return resolved;
  };
}
