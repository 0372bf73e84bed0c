import { GraphQLError } from "graphql";
import { maskError as maskUnexpected } from "graphql-yoga";
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

/**
 * What the client sees of an error, decided once. A deliberate GraphQL error passes as it is; one
 * of the project's errors whose class says what to do becomes its coded error (errors.ts); only the
 * unexpected is masked, by Yoga's own mask. The path, locations and nodes of the error stay either
 * way, so the client knows which field failed. Yoga logs every error the mask replaced, with the
 * detail the client does not get.
 */
export function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (error instanceof GraphQLError && isDeliberate(error)) return error;
  const located = error instanceof GraphQLError ? error : undefined;
  const original = located ? (located.originalError ?? located) : error;
  const coded = codedError(original, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    originalError: original instanceof Error ? original : undefined,
  });
  return coded ?? maskUnexpected(error, message, isDev);
}
