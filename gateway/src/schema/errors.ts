import { GraphQLError } from "graphql";

/** Bad input from the caller: a clear message, never a 500. */
export function badInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) },
  });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED" } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
}

/** Admin operations: the admin role with JWT configured, open in development mode. */
export function requireAdmin(
  context: { devMode: boolean; caller: { isAdmin: boolean } | null },
  operation: string,
): void {
  if (!context.devMode && !context.caller?.isAdmin)
    throw forbidden(`${operation} needs the admin role`);
}

/** A dependency is down; the same call may succeed in a moment. */
export function temporarilyUnavailable(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "TEMPORARILY_UNAVAILABLE", retryable: true },
  });
}
