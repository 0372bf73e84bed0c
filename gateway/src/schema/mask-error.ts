import { GraphQLError } from "graphql";
import { maskError as maskUnexpected, type YogaLogger } from "graphql-yoga";
import { messageOf } from "#shared/errors/message-of.ts";
import { codedError } from "./errors.ts";

/** A GraphQL error thrown on purpose: coded where its cause was known, or GraphQL's own. */
function isDeliberate(error: GraphQLError): boolean {
  if (typeof error.extensions.code === "string") return true;
  const { originalError } = error;
  return (
    originalError === undefined ||
    (originalError instanceof GraphQLError && isDeliberate(originalError))
  );
}

/** Codes whose fixed message stands in for a detail the client must not see (SQL, host names). */
const HIDES_DETAIL = new Set(["TEMPORARILY_UNAVAILABLE", "INTERNAL_SERVER_ERROR"]);

export interface ErrorMaskOptions {
  /** Where the detail of a hidden error goes, as one line with its correlation id. Default `console.error`. */
  log?: (line: string, error: unknown) => void;
  /** Default `crypto.randomUUID`. */
  newCorrelationId?: () => string;
}

/**
 * What the client sees of an error, decided once. A deliberate GraphQL error passes as it is; one
 * of the project's errors whose class says what to do becomes its coded error (errors.ts); only the
 * unexpected is masked, by Yoga's own mask. The path, locations and nodes of the error stay either
 * way, so the client knows which field failed. Where the answer hides what went wrong (a dependency
 * away, a bug), the client gets the code's fixed message and a `correlationId`, and the log one
 * line with the same id and the detail, so a report from a user leads to the cause.
 *
 * `logger` is Yoga's (`logging`): it writes what Yoga reports except the errors the mask has
 * already dealt with, which Yoga would otherwise log a second time without the id, or log at all
 * when they are the caller's business (a refused token, an unknown request).
 */
export function createErrorMask({
  log = (line, error) => console.error(line, error),
  newCorrelationId = () => crypto.randomUUID(),
}: ErrorMaskOptions = {}) {
  const handled = new WeakSet<object>();

  function withCorrelationId(shown: GraphQLError, original: unknown): GraphQLError {
    const correlationId = newCorrelationId();
    const where = shown.path ? ` at ${shown.path.join(".")}` : "";
    log(`${shown.extensions.code} ${correlationId}${where}: ${messageOf(original)}`, original);
    return new GraphQLError(shown.message, {
      nodes: shown.nodes,
      source: shown.source,
      positions: shown.positions,
      path: shown.path,
      originalError: shown.originalError,
      extensions: { ...shown.extensions, correlationId },
    });
  }

  function maskError(error: unknown, message: string, isDev?: boolean): Error {
    if (error instanceof GraphQLError && isDeliberate(error)) return error;
    if (typeof error === "object" && error !== null) handled.add(error);
    const located = error instanceof GraphQLError ? error : undefined;
    const original = located ? (located.originalError ?? located) : error;
    const shown =
      codedError(
        original,
        {
          nodes: located?.nodes,
          source: located?.source,
          positions: located?.positions,
          path: located?.path,
          originalError: original instanceof Error ? original : undefined,
        },
        located === undefined,
      ) ?? maskUnexpected(error, message, isDev);
    const code = shown instanceof GraphQLError ? shown.extensions.code : undefined;
    return shown instanceof GraphQLError && typeof code === "string" && HIDES_DETAIL.has(code)
      ? withCorrelationId(shown, original)
      : shown;
  }

  const logger: YogaLogger = {
    debug: () => undefined,
    info: (...args) => console.info(...args),
    warn: (...args) => console.warn(...args),
    error: (...args) => {
      const [first] = args;
      if (args.length === 1 && typeof first === "object" && first !== null && handled.has(first))
        return;
      console.error(...args);
    },
  };

  return { maskError, logger };
}
