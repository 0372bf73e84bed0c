import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  isAbstractType,
  isLeafType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from "graphql";

/** The field whose operation a press is; a document selecting anything else at the root is no press. */
export const PRESS_FIELD = "issueCoupon";

type Variables = Record<string, unknown>;
type CollectedFields = Map<string, FieldNode[]>;

/** What a press document answers, for one set of variables: the root's keys and the press's fields. */
export interface PressShape {
  /** The response key the press is answered under (its alias, or `issueCoupon`). */
  pressKey: string;
  /** Every node of the press field under that key (merged selections), for locating errors. */
  pressNodes: readonly FieldNode[];
  /** The raw `couponId` argument as GraphQL coerced it (`ID`: a string). */
  couponId: unknown;
  /** `{ data }` for a result of the object type `typeName`, or null when it takes graphql-js to say. */
  render(typeName: string, result: Record<string, unknown>): Record<string, unknown> | null;
}

interface Layout {
  pressKey: string;
  pressNodes: readonly FieldNode[];
  render: PressShape["render"];
}

/** A validated document whose one operation is a mutation selecting only the press (and `__typename`). */
export interface PressPlan {
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  /**
   * The shape for the request's variables (as sent: coerced here as graphql-js does), or null when
   * they do not coerce, the press is skipped, or its argument is unusable: Yoga then answers.
   */
  shape(inputs: Variables | null | undefined): PressShape | null;
}

/**
 * graphql-js's field collection (`collectFields` in execution/collectFields.js), which is not part
 * of its public API: the same order of response keys, the same fragments visited once, the same
 * `@skip`/`@include` rules, so an answer built from it has graphql-js's keys in graphql-js's order.
 * Without `variables` every conditional selection counts (the document's widest shape).
 */
function collect(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Variables | undefined,
  runtimeType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fields: CollectedFields,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (variables !== undefined && !included(selection, variables)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const key = selection.alias?.value ?? selection.name.value;
        const nodes = fields.get(key);
        if (nodes) nodes.push(selection);
        else fields.set(key, [selection]);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        if (!conditionMatches(schema, selection.typeCondition?.name.value, runtimeType)) continue;
        collect(schema, fragments, variables, runtimeType, selection.selectionSet, fields, visited);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (visited.has(name)) continue;
        visited.add(name);
        const fragment = fragments.get(name);
        if (!fragment || !conditionMatches(schema, fragment.typeCondition.name.value, runtimeType))
          continue;
        collect(schema, fragments, variables, runtimeType, fragment.selectionSet, fields, visited);
        break;
      }
    }
  }
}

function included(node: Parameters<typeof getDirectiveValues>[1], variables: Variables): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function conditionMatches(
  schema: GraphQLSchema,
  condition: string | undefined,
  runtimeType: GraphQLObjectType,
): boolean {
  if (condition === undefined) return true;
  const type = schema.getType(condition);
  if (type === runtimeType) return true;
  return type !== undefined && isAbstractType(type) && schema.isSubType(type, runtimeType);
}

function hasConditions(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === "skip" || node.name.value === "include") found = true;
    },
  });
  return found;
}

/**
 * The plan for a document Yoga has parsed and validated, or null when it is no single press: more
 * than one operation, not a mutation, or a root selecting anything but one `issueCoupon` (under one
 * response key) and `__typename`. Compiled once per document text; per request only the variables'
 * effect (`@skip`/`@include`, the id) is worked out, and only when the document has conditions.
 */
export function compilePressPlan(schema: GraphQLSchema, document: DocumentNode): PressPlan | null {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  const [operation] = operations;
  const mutationType = schema.getMutationType();
  if (operations.length !== 1 || operation?.operation !== "mutation" || !mutationType) return null;
  const pressField = mutationType.getFields()[PRESS_FIELD];
  if (!pressField) return null;
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION
        ? [[definition.name.value, definition] as const]
        : [],
    ),
  );

  const rootFields = (variables: Variables | undefined): CollectedFields => {
    const fields: CollectedFields = new Map();
    collect(schema, fragments, variables, mutationType, operation.selectionSet, fields, new Set());
    return fields;
  };
  const widest = rootFields(undefined);
  const pressKeys = [...widest].filter(([, nodes]) => nodes[0]?.name.value === PRESS_FIELD);
  const onlyPress = [...widest.values()].every((nodes) =>
    nodes.every((node) => node.name.value === PRESS_FIELD || node.name.value === "__typename"),
  );
  if (pressKeys.length !== 1 || !onlyPress) return null;

  const resultType = getNamedType(pressField.type);

  /** Where the press and its fields go in the answer, for these variables (undefined: all of it). */
  function layoutOf(variables: Variables | undefined): Layout | null {
    const root = variables === undefined ? widest : rootFields(variables);
    const pressEntry = [...root].find(([, nodes]) => nodes[0]?.name.value === PRESS_FIELD);
    if (!pressEntry) return null;
    const [pressKey, pressNodes] = pressEntry;
    const rootKeys = [...root.keys()];
    const membersByType = new Map<string, ReadonlyArray<readonly [string, string]>>();
    const membersOf = (type: GraphQLObjectType) => {
      let members = membersByType.get(type.name);
      if (!members) {
        const fields: CollectedFields = new Map();
        const visited = new Set<string>();
        for (const node of pressNodes)
          if (node.selectionSet)
            collect(schema, fragments, variables, type, node.selectionSet, fields, visited);
        members = [...fields].map(([key, nodes]) => [key, nodes[0]?.name.value ?? ""] as const);
        membersByType.set(type.name, members);
      }
      return members;
    };
    return {
      pressKey,
      pressNodes,
      render(typeName, result) {
        const type = schema.getType(typeName);
        if (!isObjectType(type) || !isAbstractType(resultType)) return null;
        if (!schema.isSubType(resultType, type)) return null;
        const press: Record<string, unknown> = {};
        const fields = type.getFields();
        for (const [key, name] of membersOf(type)) {
          if (name === "__typename") {
            press[key] = type.name;
            continue;
          }
          const field = fields[name];
          const leaf = field && getNamedType(field.type);
          const value = result[name];
          // A missing value or one its type does not take: graphql-js words that error.
          if (!leaf || !isLeafType(leaf) || value === null || value === undefined) return null;
          let serialized: unknown;
          try {
            serialized = leaf.serialize(value);
          } catch {
            return null;
          }
          if (serialized === null || serialized === undefined) return null;
          press[key] = serialized;
        }
        const data: Record<string, unknown> = {};
        for (const key of rootKeys) data[key] = key === pressKey ? press : mutationType?.name;
        return { data };
      },
    };
  }

  // Without `@skip`/`@include` the layout is the same for every request: built once.
  const fixedLayout = hasConditions(document) ? undefined : layoutOf(undefined);
  const variableDefinitions = operation.variableDefinitions ?? [];
  // The common press: one `$x: ID!` without default, the id's argument. A string for it coerces to
  // itself (ID's parseValue), so such a request needs none of graphql-js's coercion.
  const [only] = variableDefinitions;
  const idVariable =
    fixedLayout &&
    variableDefinitions.length === 1 &&
    only?.defaultValue === undefined &&
    only?.type.kind === Kind.NON_NULL_TYPE &&
    only.type.type.kind === Kind.NAMED_TYPE &&
    only.type.type.name.value === "ID" &&
    fixedLayout.pressNodes.every((node) =>
      node.arguments?.some(
        (argument) =>
          argument.name.value === "couponId" &&
          argument.value.kind === Kind.VARIABLE &&
          argument.value.name.value === only.variable.name.value,
      ),
    )
      ? only.variable.name.value
      : undefined;
  return {
    document,
    operationName: operation.name?.value,
    shape(inputs) {
      if (idVariable !== undefined && fixedLayout) {
        const couponId = inputs?.[idVariable];
        if (typeof couponId === "string") return { ...fixedLayout, couponId };
      }
      const coerced = getVariableValues(schema, variableDefinitions, inputs ?? {}, {
        maxErrors: 1,
      });
      if (coerced.errors) return null;
      const variables = coerced.coerced;
      const layout = fixedLayout ?? layoutOf(variables);
      if (!layout || !pressField) return null;
      let couponId: unknown;
      try {
        couponId = getArgumentValues(
          pressField,
          layout.pressNodes[0] as FieldNode,
          variables,
        ).couponId;
      } catch {
        return null;
      }
      return { ...layout, couponId };
    },
  };
}
