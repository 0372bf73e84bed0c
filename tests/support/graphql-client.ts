/** A tiny GraphQL-over-HTTP client for tests: queries, mutations, and SSE subscriptions. */
export interface GraphqlResponse<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export function createGraphqlClient(endpoint: string) {
  async function request<T>(
    query: string,
    variables: Record<string, unknown> = {},
    userId?: string,
  ): Promise<GraphqlResponse<T>> {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...(userId ? { "x-user-id": userId } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphqlResponse<T>;
  }

  /**
   * Collects every event of a subscription over SSE until the server completes it (or the timeout),
   * as `userId` (development mode's x-user-id): a request's status is its owner's to watch.
   */
  async function subscribe<T>(
    query: string,
    variables: Record<string, unknown>,
    {
      timeoutMs = 30_000,
      onEvent,
      userId,
      headers = {},
    }: {
      timeoutMs?: number;
      onEvent?: (event: GraphqlResponse<T>) => void;
      userId?: string;
      /** More request headers, e.g. JWT mode's `authorization`. */
      headers?: Record<string, string>;
    } = {},
  ): Promise<{ events: Array<GraphqlResponse<T>>; completed: boolean }> {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        ...(userId ? { "x-user-id": userId } : {}),
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.body) throw new Error(`subscription answered ${response.status} without a body`);
    const events: Array<GraphqlResponse<T>> = [];
    const decoder = new TextDecoder();
    let buffer = "";
    let completed = false;
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let boundary = buffer.indexOf("\n\n");
        while (boundary !== -1) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const eventName = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trim())
            .join("\n");
          if (eventName === "complete") completed = true;
          else if (data) {
            const event = JSON.parse(data) as GraphqlResponse<T>;
            events.push(event);
            onEvent?.(event);
          }
          boundary = buffer.indexOf("\n\n");
        }
      }
    } catch (error) {
      // The deadline or the caller ended the stream: what arrived so far is the answer.
      const ended =
        error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      if (!ended) throw error;
    }
    return { events, completed };
  }

  return { request, subscribe };
}

export type GraphqlClient = ReturnType<typeof createGraphqlClient>;

// The project's own documents: the test client sends exactly what a trusted-documents gateway runs.
export {
  COUPON,
  CREATE_COUPON,
  ISSUE_COUPON,
  ISSUE_REQUEST,
  REQUEST_STATUS,
} from "#gateway/project-documents.ts";

export interface IssueResult {
  __typename:
    | "IssueAccepted"
    | "AlreadyRequested"
    | "SoldOut"
    | "CouponNotAvailable"
    | "RateLimited";
  requestId?: string;
  status?: string;
  couponId?: string;
  reason?: string;
  retryAfterMs?: number;
}
