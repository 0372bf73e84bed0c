// The HTTP transports web apps subscribe with, each through its real client library configured as
// its docs say: Apollo Client 4 over HttpLink (the press with the app's own document, and the
// multipart subscription), urql with fetchSubscriptions (SSE), graphql-sse's client in both modes,
// on the gateway of each runtime. Then a plain browser: Chromium's native EventSource, which sends
// no headers, watching a JWT-mode gateway with the press's watch token.
import { ApolloClient, gql, HttpLink, InMemoryCache } from "@apollo/client";
import { fetchExchange, Client as UrqlClient } from "@urql/core";
import { createClient as createSseClient } from "graphql-sse";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onEnd, pipe, subscribe } from "wonka";
import { createWatchTokens } from "#gateway/identity/watch-token.ts";
import { openBrowser, type TestBrowser } from "../support/browser.ts";
import { CREATE_COUPON, createGraphqlClient } from "../support/graphql-client.ts";
import { type SystemUnderTest, startSystem } from "../support/system.ts";
import { uniqueSystemNames } from "../support/unique-name.ts";

/** A web app's own press document (not the project's): Apollo adds `__typename` to it. */
const PRESS = gql`
  mutation Press($couponId: ID!) {
    issueCoupon(couponId: $couponId) {
      ... on IssueAccepted { requestId status watchToken }
      ... on AlreadyRequested { requestId status watchToken }
    }
  }
`;
const WATCH = `subscription Watch($requestId: ID!) {
  requestStatus(requestId: $requestId) { requestId status }
}`;
const WATCH_WITH_TOKEN = `subscription WatchWithToken($requestId: ID!, $watchToken: String!) {
  requestStatus(requestId: $requestId, watchToken: $watchToken) { requestId status }
}`;

interface Pressed {
  requestId: string;
  status: string;
  watchToken: string;
}

/** How a watch ended: the statuses seen, and the error codes if it was refused. */
interface Watched {
  statuses: string[];
  codes: string[];
}

let nextUser = Math.floor(Math.random() * 1_000_000) * 100;
const newUser = () => String(++nextUser);

function apolloClient(graphqlUrl: string, headers: Record<string, string>) {
  return new ApolloClient({
    cache: new InMemoryCache(),
    link: new HttpLink({ uri: graphqlUrl, headers }),
  });
}

async function pressWithApollo(
  graphqlUrl: string,
  couponId: string,
  headers: Record<string, string>,
): Promise<Pressed> {
  const { data, error } = await apolloClient(graphqlUrl, headers).mutate<{
    issueCoupon: Pressed & { __typename: string };
  }>({ mutation: PRESS, variables: { couponId } });
  expect(error).toBeUndefined();
  expect(data?.issueCoupon.__typename).toBe("IssueAccepted");
  return data?.issueCoupon as Pressed;
}

/** Collects a subscription's statuses until it completes, or its error codes. */
function watchWith(
  subscribe: (sink: {
    next: (status: string) => void;
    fail: (codes: string[]) => void;
    complete: () => void;
  }) => void,
  timeoutMs = 45_000,
): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const statuses: string[] = [];
    const timer = setTimeout(
      () => reject(new Error(`no end after ${timeoutMs} ms; saw ${statuses.join(",")}`)),
      timeoutMs,
    );
    const done = (codes: string[]) => {
      clearTimeout(timer);
      resolve({ statuses, codes });
    };
    subscribe({
      next: (status) => statuses.push(status),
      fail: done,
      complete: () => done([]),
    });
  });
}

type Result = { data?: unknown; errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> };
const codesOf = (errors: Result["errors"]) =>
  (errors ?? []).map((error) => String(error.extensions?.code));
const statusOf = (data: unknown) =>
  (data as { requestStatus: { status: string } } | null)?.requestStatus.status;

function watchWithApollo(graphqlUrl: string, requestId: string, headers: Record<string, string>) {
  return watchWith(({ next, fail, complete }) => {
    apolloClient(graphqlUrl, headers)
      .subscribe({ query: gql(WATCH), variables: { requestId } })
      .subscribe({
        next: ({ data, error }) => {
          if (error) {
            const graphQLErrors = (error as { errors?: Result["errors"] }).errors;
            fail(graphQLErrors ? codesOf(graphQLErrors) : [String(error)]);
          } else next(statusOf(data) as string);
        },
        error: (error) => fail([String(error)]),
        complete,
      });
  });
}

function watchWithUrql(graphqlUrl: string, requestId: string, headers: Record<string, string>) {
  const client = new UrqlClient({
    url: graphqlUrl,
    exchanges: [fetchExchange],
    fetchSubscriptions: true,
    fetchOptions: { headers },
  });
  return watchWith(({ next, fail, complete }) => {
    // As urql's docs consume a subscription's source: wonka's pipe, the end seen by onEnd.
    pipe(
      client.subscription(WATCH, { requestId }),
      onEnd(complete),
      subscribe(({ data, error }) => {
        if (error) fail(codesOf(error.graphQLErrors));
        else next(statusOf(data) as string);
      }),
    );
  });
}

function watchWithGraphqlSse(
  graphqlUrl: string,
  requestId: string,
  headers: Record<string, string>,
  singleConnection: boolean,
) {
  // A copy: the client adds the stream token to the headers object it is given.
  const client = createSseClient({
    url: graphqlUrl,
    headers: { ...headers },
    singleConnection,
    retryAttempts: 0,
  });
  return watchWith(({ next, fail, complete }) => {
    client.subscribe<unknown>(
      { query: WATCH, variables: { requestId } },
      {
        next: ({ data, errors }) =>
          errors ? fail(codesOf(errors)) : next(statusOf(data) as string),
        error: (error) =>
          fail([error instanceof Response ? `HTTP ${error.status}` : String(error)]),
        complete,
      },
    );
  }).finally(() => client.dispose());
}

const ENDS_ISSUED = { statuses: expect.arrayContaining(["ISSUED"]), codes: [] };

describe.each(["deno", "node", "workers"] as const)(
  "web clients over HTTP, gateway on %s",
  (runtime) => {
    let system: SystemUnderTest;

    beforeAll(async () => {
      system = await startSystem({
        gatewayRuntime: runtime,
        workers: 1,
        streamWorkers: 0,
        pipelines: ["KAFKA"],
        names: uniqueSystemNames(),
      });
    });
    afterAll(async () => {
      await system?.stop();
    });

    async function pressedBy(owner: string): Promise<Pressed> {
      const reply = await createGraphqlClient(system.graphqlUrl).request<{
        createCoupon: { id: string };
      }>(CREATE_COUPON, { input: { name: `web ${runtime}`, totalQuantity: 5 } });
      const couponId = reply.data?.createCoupon.id as string;
      return pressWithApollo(system.graphqlUrl, couponId, { "x-user-id": owner });
    }

    it("Apollo Client: the press with its own document, and the multipart subscription to ISSUED", async () => {
      const owner = newUser();
      const pressed = await pressedBy(owner);
      expect(pressed).toMatchObject({ status: "PENDING", watchToken: expect.any(String) });
      const watched = await watchWithApollo(system.graphqlUrl, pressed.requestId, {
        "x-user-id": owner,
      });
      expect(watched).toEqual(ENDS_ISSUED);
      expect(watched.statuses.at(-1)).toBe("ISSUED");
      expect(
        await watchWithApollo(system.graphqlUrl, pressed.requestId, { "x-user-id": newUser() }),
      ).toEqual({ statuses: [], codes: ["NOT_FOUND"] });
    });

    it("urql with fetchSubscriptions: to ISSUED for its owner, refused for anyone else", async () => {
      const owner = newUser();
      const { requestId } = await pressedBy(owner);
      expect(await watchWithUrql(system.graphqlUrl, requestId, { "x-user-id": owner })).toEqual(
        ENDS_ISSUED,
      );
      expect(await watchWithUrql(system.graphqlUrl, requestId, { "x-user-id": newUser() })).toEqual(
        {
          statuses: [],
          codes: ["NOT_FOUND"],
        },
      );
    });

    it("graphql-sse's client, distinct connections: to ISSUED for its owner, refused for anyone else", async () => {
      const owner = newUser();
      const { requestId } = await pressedBy(owner);
      const watch = (userId: string) =>
        watchWithGraphqlSse(system.graphqlUrl, requestId, { "x-user-id": userId }, false);
      expect(await watch(owner)).toEqual(ENDS_ISSUED);
      expect(await watch(newUser())).toEqual({ statuses: [], codes: ["NOT_FOUND"] });
    });

    it.runIf(runtime !== "workers")(
      "graphql-sse's client, single connection: to ISSUED for its owner, refused for anyone else",
      async () => {
        const owner = newUser();
        const { requestId } = await pressedBy(owner);
        const watch = (userId: string) =>
          watchWithGraphqlSse(system.graphqlUrl, requestId, { "x-user-id": userId }, true);
        expect(await watch(owner)).toEqual(ENDS_ISSUED);
        expect(await watch(newUser())).toEqual({ statuses: [], codes: ["NOT_FOUND"] });
      },
    );

    it.runIf(runtime === "workers")(
      "graphql-sse's single-connection mode is refused with a reason on Workers",
      async () => {
        const reservation = await fetch(system.graphqlUrl, {
          method: "PUT",
          headers: { "x-user-id": newUser() },
        });
        expect(reservation.status).toBe(501);
        expect((await reservation.json()).errors[0].extensions.code).toBe(
          "SINGLE_CONNECTION_NOT_SERVED",
        );
      },
    );
  },
);

const JWT_SECRET = `jwt-secret-${crypto.randomUUID()}`;
const WATCH_TOKEN_SECRET = `watch-secret-${crypto.randomUUID()}`;

function bearer(sub: string, roles: string[] = []): Promise<string> {
  return new SignJWT({ sub, roles })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(JWT_SECRET));
}

describe("a plain browser's EventSource, gateway in JWT mode", () => {
  let system: SystemUnderTest;
  let browser: TestBrowser;
  let origin: string;

  beforeAll(async () => {
    system = await startSystem({
      workers: 1,
      streamWorkers: 0,
      pipelines: ["KAFKA"],
      names: uniqueSystemNames(),
      extraEnv: { gateway: { AUTH_MODE: "jwt", JWT_SECRET, WATCH_TOKEN_SECRET } },
    });
    origin = new URL(system.graphqlUrl).origin;
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  async function pressedBy(owner: string): Promise<Pressed> {
    const admin = { authorization: `Bearer ${await bearer("1", ["admin"])}` };
    const created = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...admin },
      body: JSON.stringify({
        query: CREATE_COUPON,
        variables: { input: { name: "browser watch", totalQuantity: 5 } },
      }),
    });
    const couponId = (await created.json()).data.createCoupon.id as string;
    return pressWithApollo(system.graphqlUrl, couponId, {
      authorization: `Bearer ${await bearer(owner)}`,
    });
  }

  /** `GET /graphql?query=...&variables=...` as a page builds it for `new EventSource(url)`. */
  const watchUrl = (variables: Record<string, string>, query = WATCH_WITH_TOKEN) =>
    `/graphql?${new URLSearchParams({ query, variables: JSON.stringify(variables) })}`;

  /** Opens a native EventSource in a page of the gateway's origin and gathers what it is sent. */
  async function watchInBrowser(url: string): Promise<Watched> {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${origin}/health`);
      const results = await page.evaluate(
        (path) =>
          new Promise<Result[]>((resolve, reject) => {
            const source = new EventSource(path);
            const seen: Result[] = [];
            const timer = setTimeout(() => {
              source.close();
              reject(new Error(`no complete event; saw ${JSON.stringify(seen)}`));
            }, 45_000);
            source.addEventListener("next", (event) => seen.push(JSON.parse(event.data)));
            // Without this, EventSource would reconnect once the server ends the stream.
            source.addEventListener("complete", () => {
              clearTimeout(timer);
              source.close();
              resolve(seen);
            });
          }),
        url,
      );
      return {
        statuses: results.flatMap((result) => statusOf(result.data) ?? []),
        codes: results.flatMap((result) => codesOf(result.errors)),
      };
    } finally {
      await page.close();
    }
  }

  it("watches the owner's request to ISSUED with its watch token, and nothing else", async () => {
    const owner = newUser();
    const mine = await pressedBy(owner);
    const theirs = await pressedBy(newUser());
    const watched = await watchInBrowser(
      watchUrl({ requestId: mine.requestId, watchToken: mine.watchToken }),
    );
    expect(watched).toEqual(ENDS_ISSUED);
    expect(watched.statuses.at(-1)).toBe("ISSUED");

    const refused = { statuses: [], codes: ["WATCH_TOKEN_REFUSED"] };
    // A token for one request is no key to another.
    expect(
      await watchInBrowser(watchUrl({ requestId: theirs.requestId, watchToken: mine.watchToken })),
    ).toEqual(refused);
    // Expired: made with the gateway's own key, ten minutes ago, for five.
    const expired = await createWatchTokens({
      secret: WATCH_TOKEN_SECRET,
      ttlMs: 300_000,
      now: () => Date.now() - 600_000,
    }).issue(mine.requestId, owner);
    expect(
      await watchInBrowser(watchUrl({ requestId: mine.requestId, watchToken: expired })),
    ).toEqual(refused);
    // Forged: the right claims under another key, or the identity provider's own.
    for (const secret of [`forged-${WATCH_TOKEN_SECRET}`, JWT_SECRET]) {
      const forged = await createWatchTokens({ secret, ttlMs: 300_000 }).issue(
        mine.requestId,
        owner,
      );
      expect(
        await watchInBrowser(watchUrl({ requestId: mine.requestId, watchToken: forged })),
      ).toEqual(refused);
    }
    // Without a token the browser is anonymous, and sees what an unknown id gets.
    expect(await watchInBrowser(watchUrl({ requestId: mine.requestId }, WATCH))).toEqual({
      statuses: [],
      codes: ["NOT_FOUND"],
    });
    expect(browser.outside(origin)).toEqual([]);
    // The tokens travelled in URLs: none of them reached a log line.
    const logs = system.lines.join("\n");
    for (const token of [mine.watchToken, theirs.watchToken, expired])
      expect(logs).not.toContain(token);
  });

  it("keeps CSRF protection for every GET that is not an event stream", async () => {
    const { requestId, watchToken } = await pressedBy(newUser());
    const plainGet = await fetch(`${origin}${watchUrl({ requestId, watchToken })}`, {
      headers: { accept: "application/json" },
    });
    expect(plainGet.status).toBe(403);
    const form = await fetch(system.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: WATCH_WITH_TOKEN, variables: { requestId, watchToken } }),
    });
    expect(form.status).toBe(403);
  });

  it("serves graphql-sse's single connection and Apollo's multipart to Bearer callers", async () => {
    const owner = newUser();
    const { requestId } = await pressedBy(owner);
    const headers = { authorization: `Bearer ${await bearer(owner)}` };
    expect(await watchWithGraphqlSse(system.graphqlUrl, requestId, headers, true)).toEqual(
      ENDS_ISSUED,
    );
    expect(await watchWithApollo(system.graphqlUrl, requestId, headers)).toEqual(ENDS_ISSUED);
    const someoneElse = { authorization: `Bearer ${await bearer(newUser())}` };
    expect(await watchWithGraphqlSse(system.graphqlUrl, requestId, someoneElse, true)).toEqual({
      statuses: [],
      codes: ["NOT_FOUND"],
    });
  });
});
