import { EnvelopArmor } from "@escape.tech/graphql-armor";
import type { GraphQLError, ValidationContext } from "graphql";
import type { Plugin, YogaInitialContext } from "graphql-yoga";

/** What one operation may ask for; defaults in `GRAPHQL_LIMIT_DEFAULTS` (shared/src/defaults.ts). */
export interface OperationLimits {
  /** Aliased fields (`a1: coupon(id: 1)`), `__typename` aside: each alias is one more resolver run. */
  maxAliases: number;
  /** Nesting of selections; introspection is exempt (GraphiQL's query is deep). */
  maxDepth: number;
  /** GraphQL Armor's cost: objects 2, scalars 1, each level deeper costing 1.5 times more. */
  maxCost: number;
  /** Lexical tokens; counted while parsing, so a huge document is cut off before it is parsed whole. */
  maxTokens: number;
  maxDirectives: number;
}

export interface OperationLimitsOptions {
  /**
   * Replaces "Did you mean …?" in validation errors: with introspection off, suggestions would
   * hand out the schema field by field.
   */
  hideSuggestions: boolean;
}

/**
 * GraphQL Armor's checks as Yoga plugins. Tokens are counted by the parser, the rest are validation
 * rules: a refused operation never reaches a resolver, so it costs no Redis, internal-API or
 * PostgreSQL call. The client gets a GraphQL error that names the limit and the count found
 * (code GRAPHQL_PARSE_FAILED for tokens, GRAPHQL_VALIDATION_FAILED for the rest).
 */
export function operationLimitPlugins(
  { maxAliases, maxDepth, maxCost, maxTokens, maxDirectives }: OperationLimits,
  { hideSuggestions }: OperationLimitsOptions,
): Plugin[] {
  // Reported like any validation error (GRAPHQL_VALIDATION_FAILED, with locations) instead of
  // thrown out of the validator, where it would reach the client without a code.
  const reported = {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => context?.reportError(error),
    ],
  };
  const armor = new EnvelopArmor<YogaInitialContext>({
    maxAliases: { n: maxAliases, ...reported },
    maxDepth: { n: maxDepth, ignoreIntrospection: true, ...reported },
    costLimit: { maxCost, ignoreIntrospection: true, ...reported },
    // The parser's limit must throw: that is what stops it reading the rest of a huge document.
    maxTokens: { n: maxTokens },
    maxDirectives: { n: maxDirectives, ...reported },
    blockFieldSuggestion: { enabled: hideSuggestions },
  });
  return armor.protect().plugins;
}
