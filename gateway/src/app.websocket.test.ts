import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "graphql-ws";
import { SignJWT } from "jose";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { errorCodes, rawGraphqlWsSocket, runOverWs, wsClient } from "#test-support/graphql-ws.ts";
import { createGatewayApp } from "./app.ts";
import { readGatewayConfig } from "./config.ts";
import { COUPON } from "./project-documents.ts";
import { documentId } from "./protection/trusted-documents.ts";
import { TEMPORARILY_UNAVAILABLE_MESSAGE } from "./schema/errors.ts";
import type { GraphqlWsConnections } from "./websocket/graphql-ws-connections.ts";

// GraphQL over WebSocket through the app, with graphql-ws's own client over a real socket: what the
// protocol, identity and protections do before anything would reach Redis or Kafka. The internal
// API points where nothing listens, so an operation that runs ends in a retryable error.
const SECRET = "a-test-secret-of-32-characters!!";
const BASE_ENV = { INTERNAL_API_URL: "http://127.0.0.1:9/" };

async function token(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

/** The app's sockets behind a Node server, upgraded by `ws` as the Node entry does. */
async function serve(connections: GraphqlWsConnections): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  const sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) =>
      connections.protocolOf({
        headers: { get: () => [...protocols].join(",") },
      }) ?? false,
  });
  server.on("upgrade", (req, socket, head) => {
    sockets.handleUpgrade(req, socket, head, (webSocket) =>
      connections.accept(webSocket, {
        url: `http://gateway${req.url}`,
        headers: new Headers(req.headers as HeadersInit),
        clientAddress: req.socket.remoteAddress,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}/graphql`, server };
}

const servers: Server[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function gatewayAt(env: Record<string, string>) {
  const app = createGatewayApp(readGatewayConfig({ ...BASE_ENV, ...env }));
  const { url, server } = await serve(app.webSockets);
  servers.push(server);
  return { app, url };
}

function client(url: string, connectionParams?: Record<string, unknown>): Client {
  const made = wsClient(url, connectionParams);
  clients.push(made);
  return made;
}

/** One operation's outcome over a client of its own (disposed after the test). */
const run = (
  over: Client,
  query: string,
  extra: { variables?: Record<string, unknown>; extensions?: Record<string, unknown> } = {},
) => runOverWs(over, query, extra).outcome;
const codesOf = errorCodes;

describe("GraphQL over WebSocket in JWT mode", async () => {
  const { url } = await gatewayAt({ JWT_SECRET: SECRET });

  it("closes the connection 4403 when the token is refused, forged or expired", async () => {
    const forged = await token({ sub: "7" }, "another-secret-of-32-characters!");
    const expired = await token({ sub: "7", exp: Math.floor(Date.now() / 1000) - 60 });
    for (const authorization of [`Bearer ${forged}`, `Bearer ${expired}`, "Basic abc", 42]) {
      const { results, closed } = await run(client(url, { authorization }), "{ __typename }");
      expect(results).toEqual([]);
      expect(closed?.code).toBe(4403);
    }
  });

  it("serves a valid token, named Authorization or authorization", async () => {
    const bearer = `Bearer ${await token({ sub: "7" })}`;
    for (const params of [{ authorization: bearer }, { Authorization: bearer }]) {
      const outcome = await run(client(url, params), "{ __typename }");
      expect(outcome).toEqual({ results: [{ data: { __typename: "Query" } }] });
    }
  });

  it("answers an anonymous mutation UNAUTHENTICATED, without the HTTP-only extension", async () => {
    const outcome = await run(
      client(url),
      `mutation { issueCoupon(couponId: "1") { __typename } }`,
    );
    expect(codesOf(outcome)).toEqual(["UNAUTHENTICATED"]);
    expect(JSON.stringify(outcome)).not.toContain('"http"');
  });

  it("ignores x-user-id in JWT mode", async () => {
    const outcome = await run(
      client(url, { "x-user-id": "7" }),
      `mutation { issueCoupon(couponId: "1") { __typename } }`,
    );
    expect(codesOf(outcome)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses introspection and an operation over the limits, as over HTTP", async () => {
    const introspection = await run(client(url), "{ __schema { queryType { name } } }");
    expect(introspection.results).toEqual([]);
    expect(new Set(codesOf(introspection))).toEqual(new Set(["GRAPHQL_VALIDATION_FAILED"]));
    expect(introspection.refused?.[0]?.message).toMatch(/introspection/i);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: coupon(id: "1") { id }`).join(" ");
    const limited = await run(client(url), `{ ${aliases} }`);
    expect(limited.results).toEqual([]);
    expect(codesOf(limited)).toContain("GRAPHQL_VALIDATION_FAILED");
    expect(limited.refused?.[0]?.message).toMatch(/aliases/i);
  });

  it("masks a dependency that is away as over HTTP: a fixed message and a correlation id", async () => {
    const admin = `Bearer ${await token({ sub: "1", roles: ["admin"] })}`;
    const { results } = await run(
      client(url, { authorization: admin }),
      "{ deadLetters { total } }",
    );
    expect(results).toHaveLength(1);
    expect(results[0]?.errors?.[0]).toMatchObject({
      message: TEMPORARILY_UNAVAILABLE_MESSAGE,
      path: ["deadLetters"],
      extensions: { code: "TEMPORARILY_UNAVAILABLE", correlationId: expect.any(String) },
    });
  });
});

describe("GraphQL over WebSocket with trusted documents only", async () => {
  const { url } = await gatewayAt({ TRUSTED_DOCUMENTS: "only" });

  it("refuses a raw query", async () => {
    const outcome = await run(client(url, { "x-user-id": "7" }), "{ __typename }");
    expect(outcome.results).toEqual([]);
    expect(codesOf(outcome)).toEqual(["PERSISTED_QUERY_ONLY"]);
  });

  it("runs a trusted document sent by its id, and refuses an unknown id", async () => {
    const persistedQuery = (sha256Hash: string) => ({
      extensions: { persistedQuery: { version: 1, sha256Hash } },
      variables: { id: "1" },
    });
    const known = await run(client(url), "", persistedQuery(await documentId(COUPON)));
    // It ran: the coupon lookup reached for the internal API, which is away.
    expect(codesOf(known)).toEqual(["TEMPORARILY_UNAVAILABLE"]);
    const unknown = await run(client(url), "", persistedQuery("0".repeat(64)));
    expect(codesOf(unknown)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });
});

describe("GraphQL over WebSocket, the protocol's limits", async () => {
  const { url } = await gatewayAt({
    WS_CONNECTION_INIT_TIMEOUT_MS: "200",
    SUBSCRIPTION_IDLE_TIMEOUT_MS: "400",
  });

  const rawSocket = () => rawGraphqlWsSocket(url);

  it("closes 4401 on a subscribe before connection_init, 4400 on a bad message", async () => {
    const early = await rawSocket();
    early.socket.send(
      JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ __typename }" } }),
    );
    expect(await early.closed).toBe(4401);
    const bad = await rawSocket();
    bad.socket.send("not json");
    expect(await bad.closed).toBe(4400);
  });

  it("closes 4408 when no connection_init comes in time", async () => {
    const { closed } = await rawSocket();
    expect(await closed).toBe(4408);
  });

  it("closes an acknowledged connection that runs nothing for the idle timeout", async () => {
    const idle = await rawSocket();
    idle.socket.send(JSON.stringify({ type: "connection_init" }));
    expect(await idle.closed).toBe(1000);
  });

  it("closes 1009 on a message above the body limit, before parsing it", async () => {
    const { socket, closed } = await rawSocket();
    socket.send(JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(70_000) } }));
    expect(await closed).toBe(1009);
  });

  it("refuses an upgrade from an origin CORS_ORIGINS does not list, and one not speaking graphql-ws", async () => {
    const app = createGatewayApp(
      readGatewayConfig({ ...BASE_ENV, CORS_ORIGINS: "https://shop.example" }),
    );
    const upgrade = (headers: Record<string, string>) =>
      app.webSockets.refusal({ headers: new Headers(headers) });
    const offered = { "sec-websocket-protocol": "graphql-transport-ws" };
    expect(upgrade({ ...offered, origin: "https://evil.example" })?.status).toBe(403);
    expect(upgrade({ ...offered, origin: "https://shop.example" })).toBeNull();
    expect(upgrade(offered)).toBeNull();
    expect(upgrade({ "sec-websocket-protocol": "graphql-ws" })?.status).toBe(400);
  });
});
