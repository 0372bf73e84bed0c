// GraphQL over WebSocket (graphql-ws, subprotocol graphql-transport-ws) against a whole system on
// each gateway runtime, with the clients people use, unchanged: graphql-ws's own `createClient`
// and Apollo Client 4's `GraphQLWsLink`. The gateway runs in JWT mode, so a refused token can be
// seen closing the connection; a caller's identity rides in `connectionParams.authorization`.
import { ApolloClient, gql, InMemoryCache } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { type Client, createClient } from "graphql-ws";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CREATE_COUPON,
  ISSUE_COUPON,
  type IssueResult,
  REQUEST_STATUS,
} from "../support/graphql-client.ts";
import {
  errorCodes,
  rawGraphqlWsSocket,
  runOverWs,
  upgradeStatus,
  type WsResult,
  webSocketUrl,
  wsClient,
} from "../support/graphql-ws.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";
import { waitUntil } from "../support/wait.ts";

const runtimes = ["deno", "node", "workers"] as const;
const SECRET = "a-websocket-e2e-secret-of-32-chars!";
const PER_CALLER = 2;

async function bearer(sub: string, roles: string[] = []): Promise<string> {
  const token = await new SignJWT({ sub, roles, exp: Math.floor(Date.now() / 1000) + 600 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(SECRET));
  return `Bearer ${token}`;
}

interface Status {
  requestStatus: { requestId: string; status: string; reason: string | null };
}

describe.each(runtimes)("GraphQL over WebSocket, gateway on %s", (runtime) => {
  let system: SystemUnderTest;
  let url: string;
  let couponId: string;
  const clients: Client[] = [];
  // User ids of this runtime's own: the systems share nothing, but the logs read better.
  const base = { deno: 7100, node: 7200, workers: 7300 }[runtime];
  const user = (n: number) => String(base + n);

  function client(connectionParams?: Record<string, unknown>): Client {
    const made = wsClient(url, connectionParams);
    clients.push(made);
    return made;
  }

  async function as(userId: string, roles: string[] = []) {
    return client({ authorization: await bearer(userId, roles) });
  }

  /** A press over WebSocket, through the same issueCoupon as over HTTP. */
  async function pressOverWs(userId: string): Promise<IssueResult> {
    const { results } = await runOverWs(await as(userId), ISSUE_COUPON, {
      variables: { couponId },
    }).outcome;
    expect(results).toHaveLength(1);
    expect(results[0]?.errors).toBeUndefined();
    return results[0]?.data?.issueCoupon as IssueResult;
  }

  beforeAll(async () => {
    system = await startSystem({
      gatewayRuntime: runtime,
      workers: 1,
      pipelines: ["KAFKA"],
      names: uniqueSystemNames(),
      extraEnv: {
        gateway: {
          AUTH_MODE: "jwt",
          JWT_SECRET: SECRET,
          SUBSCRIPTIONS_PER_CALLER: String(PER_CALLER),
        },
      },
    });
    url = webSocketUrl(system.graphqlUrl);
    const created = await runOverWs(await as("1", ["admin"]), CREATE_COUPON, {
      variables: { input: { name: `websocket ${runtime}`, totalQuantity: 100 } },
    }).outcome;
    expect(created.results[0]?.errors).toBeUndefined();
    const coupon = created.results[0]?.data?.createCoupon as { id: string } | undefined;
    couponId = coupon?.id as string;
  });
  afterAll(async () => {
    for (const made of clients) await made.dispose();
    await system?.stop();
  });

  it("graphql-ws: a press over WebSocket, then its owner's requestStatus ends ISSUED and completes", async () => {
    const pressed = await pressOverWs(user(1));
    expect(pressed.__typename).toBe("IssueAccepted");
    const watched = await runOverWs(await as(user(1)), REQUEST_STATUS, {
      variables: { requestId: pressed.requestId },
    }).outcome;
    // `complete`, not a close or an error: the server ended the subscription after ISSUED.
    expect(watched.closed).toBeUndefined();
    expect(watched.refused).toBeUndefined();
    const statuses = watched.results.map((r) => (r.data as unknown as Status).requestStatus.status);
    expect(statuses.at(-1)).toBe("ISSUED");
    expect(watched.results.every((r) => r.errors === undefined)).toBe(true);
  });

  it("another user's subscription to that request is refused with an error, and nothing is delivered", async () => {
    const pressed = await pressOverWs(user(2));
    const stranger = await runOverWs(await as(user(3)), REQUEST_STATUS, {
      variables: { requestId: pressed.requestId },
    }).outcome;
    expect(stranger.results.flatMap((r) => (r.data ? [r.data] : []))).toEqual([]);
    expect(errorCodes(stranger)).toEqual(["NOT_FOUND"]);
    // The owner sees it.
    const owner = await runOverWs(await as(user(2)), REQUEST_STATUS, {
      variables: { requestId: pressed.requestId },
    }).outcome;
    const last = owner.results.at(-1)?.data as Status | undefined;
    expect(last?.requestStatus.status).toBe("ISSUED");
  });

  it("Apollo Client's GraphQLWsLink: a press over HTTP, then the subscription over WebSocket ends ISSUED", async () => {
    const authorization = await bearer(user(4));
    const answer = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: JSON.stringify({ query: ISSUE_COUPON, variables: { couponId } }),
    });
    const pressed = ((await answer.json()) as { data: { issueCoupon: IssueResult } }).data
      .issueCoupon;
    expect(pressed.__typename).toBe("IssueAccepted");

    const wsClientOfApollo = createClient({ url, connectionParams: { authorization } });
    clients.push(wsClientOfApollo);
    const apollo = new ApolloClient({
      link: new GraphQLWsLink(wsClientOfApollo),
      cache: new InMemoryCache(),
    });
    const statuses: string[] = [];
    await new Promise<void>((resolve, reject) => {
      apollo
        .subscribe<Status>({
          query: gql(REQUEST_STATUS),
          variables: { requestId: pressed.requestId },
        })
        .subscribe({
          next: (result) => {
            if (result.error) reject(result.error);
            else if (result.data) statuses.push(result.data.requestStatus.status);
          },
          error: reject,
          complete: resolve,
        });
    });
    expect(statuses.at(-1)).toBe("ISSUED");
    apollo.stop();
  });

  it("closes the connection 4403 when the token is refused", async () => {
    const forged = await new SignJWT({ sub: user(5), exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("not-the-gateway-secret-of-32-chars!!"));
    const outcome = await runOverWs(client({ authorization: `Bearer ${forged}` }), "{ __typename }")
      .outcome;
    expect(outcome.results).toEqual([]);
    expect(outcome.closed?.code).toBe(4403);
  });

  it("answers an upgrade at /graphql 101 for graphql-transport-ws, and 400 for another subprotocol", async () => {
    const offering = (protocol: string) =>
      upgradeStatus(system.graphqlUrl, { "sec-websocket-protocol": protocol });
    expect(await offering("graphql-transport-ws")).toBe(101);
    expect(await offering("graphql-ws")).toBe(400);
  });

  it("closes 4408 a connection that never sends connection_init", async () => {
    const { closed } = await rawGraphqlWsSocket(url);
    expect(await closed).toBe(4408);
  });

  it("holds the subscription cap per caller, and a completed subscription gives its slot back", async () => {
    // Workers held: the requests stay PENDING, so every subscription stays open.
    await system.pauseWorkers();
    const held: Array<{ cancel: () => void }> = [];
    try {
      const pressed = await pressOverWs(user(6));
      /** A subscription of its own connection, and its first result (none: it ended without). */
      const watch = async () => {
        let first: (result: WsResult | undefined) => void = () => undefined;
        const firstResult = new Promise<WsResult | undefined>((resolve) => (first = resolve));
        const running = runOverWs(
          await as(user(6)),
          REQUEST_STATUS,
          { variables: { requestId: pressed.requestId } },
          (result) => first(result),
        );
        void running.outcome.then(() => first(undefined));
        held.push(running);
        return (await firstResult) as { data?: Status; errors?: WsResult["errors"] } | undefined;
      };
      for (let i = 0; i < PER_CALLER; i++)
        expect((await watch())?.data?.requestStatus.status).toBe("PENDING");
      const refused = await watch();
      expect(refused?.data).toBeFalsy();
      expect(refused?.errors?.[0]?.extensions?.code).toBe("TOO_MANY_SUBSCRIPTIONS");
      // The client completing one gives its slot back.
      held[0]?.cancel();
      await waitUntil(async () => (await watch())?.data?.requestStatus.status === "PENDING", {
        what: "the slot of a completed subscription given back",
      });
    } finally {
      for (const running of held) running.cancel();
      await system.resumeWorkers();
    }
  });
});
