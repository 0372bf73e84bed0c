import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from "@apollo/client";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { addTypenameToDocument } from "@apollo/client/utilities";
import {
  generatePersistedQueryIdsAtRuntime,
  generatePersistedQueryIdsFromManifest,
  sortTopLevelDefinitions,
} from "@apollo/persisted-query-lists";
import { type DocumentNode, print } from "graphql";
import { describe, expect, it } from "vitest";
import type { Presser } from "./admission/issue-coupon.ts";
import { createGatewayHandler } from "./app.ts";
import { readGatewayConfig } from "./config.ts";
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { documentId } from "./protection/trusted-documents.ts";
import type { GatewayServices } from "./schema/builder.ts";

// Apollo Client and its persisted-query link, unchanged, against the gateway (in-process, its
// fetch handed to HttpLink): by a manifest's id the press runs (by the fast path); an id the
// gateway does not know is answered PERSISTED_QUERY_NOT_FOUND, and the link retries with the full
// query, which `allow` mode runs and `only` mode refuses.

const GRAB = gql`
  mutation Grab($couponId: ID!) {
    issueCoupon(couponId: $couponId) {
      ... on IssueAccepted {
        requestId
        status
      }
      ... on SoldOut {
        couponId
      }
    }
  }
`;
const ANOTHER = gql`
  mutation Another($couponId: ID!) {
    issueCoupon(couponId: $couponId) {
      ... on SoldOut {
        couponId
      }
    }
  }
`;

/**
 * A manifest entry as Apollo's manifest generator writes it: the document as the client sends it
 * (InMemoryCache adds `__typename`), top-level definitions sorted, printed, its SHA-256 the id.
 */
async function manifestOperation(document: DocumentNode) {
  const body = print(sortTopLevelDefinitions(addTypenameToDocument(document)));
  const [operation] = document.definitions;
  const name = operation?.kind === "OperationDefinition" ? (operation.name?.value ?? "") : "";
  return { id: await documentId(body), name, type: "mutation" as const, body };
}

async function apolloAgainstGateway(env: Record<string, string>, idLink: ApolloLink) {
  const sent: Array<Record<string, unknown>> = [];
  let fastPresses = 0;
  const calls: Presser[] = [];
  const metrics = createGatewayMetrics();
  metrics.countFastPathPress = () => {
    fastPresses++;
  };
  const services = {
    metrics,
    issueCoupon: async (couponId: string, presser: Presser) => {
      calls.push(presser);
      return { kind: "SoldOut", couponId };
    },
  } as unknown as GatewayServices;
  const app = createGatewayHandler(readGatewayConfig(env), services);
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      idLink,
      new HttpLink({
        uri: "http://localhost/graphql",
        headers: { "x-user-id": "7" },
        fetch: async (input, init) => {
          sent.push(JSON.parse(String(init?.body)));
          return app.fetch(new Request(input, init), { clientAddress: "127.0.0.1" });
        },
      }),
    ]),
  });
  return { client, sent, fastPresses: () => fastPresses, calls };
}

describe("Apollo's persisted-query link against the gateway", () => {
  it("presses by the manifest's id in `only` mode, on the fast path", async () => {
    const operations = [await manifestOperation(GRAB)];
    const manifest = { format: "apollo-persisted-query-manifest", version: 1, operations };
    const apollo = await apolloAgainstGateway(
      { TRUSTED_DOCUMENTS: "only", TRUSTED_DOCUMENTS_MANIFEST: JSON.stringify(manifest) },
      createPersistedQueryLink(
        generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest }),
      ),
    );
    const { data } = await apollo.client.mutate({ mutation: GRAB, variables: { couponId: "12" } });
    expect(data).toEqual({ issueCoupon: { __typename: "SoldOut", couponId: "12" } });
    expect(apollo.sent).toHaveLength(1);
    expect(apollo.sent[0]?.query).toBeUndefined();
    expect(apollo.fastPresses()).toBe(1);
  });

  it("in `only` mode: an unknown id is PERSISTED_QUERY_NOT_FOUND, the link's retry with the text is refused, nothing pressed", async () => {
    const operations = [await manifestOperation(GRAB)];
    const manifest = { format: "apollo-persisted-query-manifest", version: 1, operations };
    const apollo = await apolloAgainstGateway(
      { TRUSTED_DOCUMENTS: "only", TRUSTED_DOCUMENTS_MANIFEST: JSON.stringify(manifest) },
      createPersistedQueryLink(generatePersistedQueryIdsAtRuntime({ sha256: documentId })),
    );
    await expect(
      apollo.client.mutate({ mutation: ANOTHER, variables: { couponId: "12" } }),
    ).rejects.toThrow(/trusted documents only/);
    expect(apollo.sent).toHaveLength(2);
    expect(apollo.sent[0]?.query).toBeUndefined();
    expect(apollo.sent[1]?.query).toContain("mutation Another");
    expect(apollo.calls).toHaveLength(0);
  });

  it("in `allow` mode: an unknown id is PERSISTED_QUERY_NOT_FOUND and the link's retry with the text presses", async () => {
    const apollo = await apolloAgainstGateway(
      { TRUSTED_DOCUMENTS: "allow" },
      createPersistedQueryLink({ sha256: documentId }),
    );
    const { data } = await apollo.client.mutate({
      mutation: ANOTHER,
      variables: { couponId: "3" },
    });
    expect(data).toEqual({ issueCoupon: { __typename: "SoldOut", couponId: "3" } });
    expect(apollo.sent).toHaveLength(2);
    expect(apollo.sent[0]?.query).toBeUndefined();
    expect(apollo.sent[1]?.query).toContain("mutation Another");
    expect(apollo.calls).toHaveLength(1);
    expect(apollo.fastPresses()).toBe(1);
  });
});
