import { NoSchemaIntrospectionCustomRule } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Refuses schema introspection (`__schema`, `__type`) as a validation error, on every transport.
 * Yoga's own plugin (@graphql-yoga/plugin-disable-introspection) marks the HTTP request while Yoga
 * parses it and checks the mark at validation; a graphql-ws operation reaches only Yoga's envelop
 * (validation, no request parse), so there it would let introspection through. This is the same
 * rule added at validation alone, which every operation passes whichever way it came.
 */
export function useDisableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
