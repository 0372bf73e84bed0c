import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import type { Plugin } from "graphql-yoga";

/**
 * `off`: any operation (the default). `allow`: a trusted document by id, or any operation, for
 * moving clients over. `only`: trusted documents by id and nothing else, so whoever reaches the
 * gateway can run what the project's clients run and not one operation more.
 */
export type TrustedDocumentsMode = "off" | "allow" | "only";

export interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  /** The documents that may run, as text; each is known by `documentId` of its text. */
  documents: readonly string[];
}

/** A document's id: the hex SHA-256 of its text, as Apollo's persisted-query extension sends it. */
export async function documentId(document: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(document));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Yoga's persisted-operations plugin over the project's own documents. A client sends
 * `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<id>"}}, "variables": ...}`
 * (POST, or the same as GET parameters) instead of `query`.
 */
export function trustedDocumentPlugins(options: TrustedDocumentsOptions): Plugin[] {
  return options.mode === "off" ? [] : [persistedOperations(options)];
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
  options: TrustedDocumentsOptions,
): (params: OperationParams) => Promise<OperationParams> {
  if (options.mode === "off") return async (params) => params;
  const plugin = persistedOperations(options);
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

function persistedOperations({ mode, documents }: TrustedDocumentsOptions): Plugin {
  let byId: Promise<Map<string, string>> | undefined;
  // Hashed once, on first use: Web Crypto is asynchronous, and the app is built synchronously.
  const store = () => {
    byId ??= Promise.all(
      documents.map(async (document) => [await documentId(document), document] as const),
    ).then((entries) => new Map(entries));
    return byId;
  };
  return usePersistedOperations({
    allowArbitraryOperations: mode === "allow",
    getPersistedOperation: async (id) => (await store()).get(id) ?? null,
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
  });
}
