import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionNode,
  type SelectionSetNode,
  type TypeNode,
  type ValueNode,
  valueFromASTUntyped,
} from '@0no-co/graphql.web';
import { STOREFRONT_SCHEMA } from './storefront-schema';

/**
 * Runs a GraphQL Storefront API request body against the part of BigCommerce's schema the sandbox serves
 * (STOREFRONT_SCHEMA: `site { settings { storeName } }`), with what the GraphQL specification gives every
 * query: operations picked by `operationName`, variables with their declared types, `@include` and `@skip`,
 * aliases, fragments and `__typename` (https://spec.graphql.org/October2021/, sections 2 and 6). Anything
 * outside that subset is answered as the specification's request errors are: `{ errors }` and no `data`, in
 * graphql-js's words (BigCommerce's own wording is not documented).
 */

/** What the sandbox knows of the store that answers. */
export interface StoreFacts {
  storeName: string;
}

interface TypeRef {
  readonly kind: string;
  readonly name?: string | null;
  readonly ofType?: TypeRef | null;
}

interface FieldDefinition {
  readonly name: string;
  readonly type: TypeRef;
}

const OBJECTS = new Map<string, readonly FieldDefinition[]>(
  STOREFRONT_SCHEMA.__schema.types.flatMap((t) => (t.kind === 'OBJECT' ? [[t.name, t.fields] as const] : [])),
);

/** The leaf fields' values, from what the sandbox knows of the store. */
const LEAVES: Record<string, (store: StoreFacts) => unknown> = {
  'Settings.storeName': (store) => store.storeName,
};

/** The specification's input coercion of the built-in scalars (section 3.5). */
const SCALARS: Record<string, (value: unknown) => boolean> = {
  Boolean: (value) => typeof value === 'boolean',
  String: (value) => typeof value === 'string',
  Int: (value) => Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1,
  Float: (value) => typeof value === 'number' && Number.isFinite(value),
  ID: (value) => typeof value === 'string' || Number.isInteger(value),
};

export type GraphqlResult = { data: Record<string, unknown> } | { errors: { message: string }[] };

/** A request error: the request is answered with it and nothing else. */
class RequestError extends Error {}

interface Context {
  store: StoreFacts;
  variables: Record<string, unknown>;
  declared: Set<string>;
  fragments: Map<string, FragmentDefinitionNode>;
}

export function runQuery(body: Record<string, unknown>, store: StoreFacts): GraphqlResult {
  try {
    if (typeof body.query !== 'string') throw new RequestError('Must provide query string.');
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (error) {
      throw new RequestError(`Syntax Error: ${(error as Error).message}`);
    }
    const operation = chosenOperation(document, body.operationName);
    if (operation.operation !== 'query') {
      throw new RequestError(`Schema is not configured to execute ${operation.operation} operation.`);
    }
    const fragments = new Map(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((f) => [f.name.value, f]),
    );
    const variables = coercedVariables(operation, body.variables);
    const declared = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
    const queryType = STOREFRONT_SCHEMA.__schema.queryType.name;
    return { data: execute(queryType, operation.selectionSet, { store, variables, declared, fragments }) };
  } catch (error) {
    if (error instanceof RequestError) return { errors: [{ message: error.message }] };
    throw error;
  }
}

function chosenOperation(document: DocumentNode, operationName: unknown): OperationDefinitionNode {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (typeof operationName === 'string') {
    const named = operations.find((o) => o.name?.value === operationName);
    if (!named) throw new RequestError(`Unknown operation named "${operationName}".`);
    return named;
  }
  if (operations.length !== 1) {
    throw new RequestError(
      operations.length === 0
        ? 'Must provide an operation.'
        : 'Must provide operation name if query contains multiple operations.',
    );
  }
  return operations[0] as OperationDefinitionNode;
}

/** CoerceVariableValues (section 6.1.2): every declared variable, checked against its type. */
function coercedVariables(operation: OperationDefinitionNode, given: unknown): Record<string, unknown> {
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    throw new RequestError('Variables must be provided as an Object where each property is a variable value.');
  }
  const provided = (given ?? {}) as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const { named, nonNull, shown } = typeOf(definition.type);
    const accepts = SCALARS[named];
    if (!accepts) throw new RequestError(`Unknown type "${named}".`);
    if (!(name in provided)) {
      if (definition.defaultValue) values[name] = valueFromASTUntyped(definition.defaultValue);
      else if (nonNull) throw new RequestError(`Variable "$${name}" of required type "${shown}" was not provided.`);
      continue;
    }
    const value = provided[name];
    if (value === null) {
      if (nonNull) throw new RequestError(`Variable "$${name}" of non-null type "${shown}" must not be null.`);
    } else if (!accepts(value)) {
      throw new RequestError(
        `Variable "$${name}" got invalid value ${JSON.stringify(value)}; ${named} cannot represent this value.`,
      );
    }
    values[name] = value;
  }
  return values;
}

function typeOf(type: TypeNode): { named: string; nonNull: boolean; shown: string } {
  if (type.kind === Kind.NON_NULL_TYPE) {
    const inner = typeOf(type.type);
    return { ...inner, nonNull: true, shown: `${inner.shown}!` };
  }
  if (type.kind === Kind.LIST_TYPE) throw new RequestError('The sandbox takes no list variables.');
  return { named: type.name.value, nonNull: false, shown: type.name.value };
}

function execute(type: string, selectionSet: SelectionSetNode, context: Context): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, fields] of collectFields(type, selectionSet, context, new Set())) {
    const field = fields[0] as FieldNode;
    const name = field.name.value;
    if (name === '__typename') {
      result[key] = type;
      continue;
    }
    const definition = OBJECTS.get(type)?.find((f) => f.name === name);
    if (!definition) throw new RequestError(`Cannot query field "${name}" on type "${type}".`);
    const argument = fields.flatMap((f) => f.arguments ?? [])[0];
    if (argument) throw new RequestError(`Unknown argument "${argument.name.value}" on field "${type}.${name}".`);
    const fieldType = namedType(definition.type);
    if (!OBJECTS.has(fieldType)) {
      if (field.selectionSet) {
        throw new RequestError(
          `Field "${name}" must not have a selection since type "${shown(definition.type)}" has no subfields.`,
        );
      }
      result[key] = LEAVES[`${type}.${name}`]?.(context.store);
      continue;
    }
    if (!field.selectionSet) {
      throw new RequestError(
        `Field "${name}" of type "${shown(definition.type)}" must have a selection of subfields. Did you mean "${name} { ... }"?`,
      );
    }
    // Fields with the same response key are merged (section 6.3.2, CollectFields).
    const merged: SelectionNode[] = fields.flatMap((f) => f.selectionSet?.selections ?? []);
    result[key] = execute(fieldType, { kind: Kind.SELECTION_SET, selections: merged }, context);
  }
  return result;
}

function namedType(type: TypeRef): string {
  return type.ofType ? namedType(type.ofType) : (type.name as string);
}

function shown(type: TypeRef): string {
  if (type.kind === 'NON_NULL') return `${shown(type.ofType as TypeRef)}!`;
  if (type.kind === 'LIST') return `[${shown(type.ofType as TypeRef)}]`;
  return type.name as string;
}

/** CollectFields (section 6.3.2): the fields to answer, by response key, after directives and fragments. */
function collectFields(
  type: string,
  selectionSet: SelectionSetNode,
  context: Context,
  visited: Set<string>,
  into = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  for (const selection of selectionSet.selections) {
    if (!included(selection.directives ?? [], context)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      into.set(key, [...(into.get(key) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value, type)) {
        collectFields(type, selection.selectionSet, context, visited, into);
      }
    } else {
      const name = selection.name.value;
      const fragment = context.fragments.get(name);
      if (!fragment) throw new RequestError(`Unknown fragment "${name}".`);
      if (visited.has(name)) continue;
      visited.add(name);
      if (applies(fragment.typeCondition.name.value, type)) {
        collectFields(type, fragment.selectionSet, context, visited, into);
      }
    }
  }
  return into;
}

function applies(typeCondition: string | undefined, type: string): boolean {
  if (typeCondition === undefined) return true;
  if (!OBJECTS.has(typeCondition)) throw new RequestError(`Unknown type "${typeCondition}".`);
  return typeCondition === type;
}

/** `@skip(if:)` and `@include(if:)` (section 3.13), with a literal or a variable. */
function included(directives: readonly DirectiveNode[], context: Context): boolean {
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') throw new RequestError(`Unknown directive "@${name}".`);
    const argument = directive.arguments?.find((a) => a.name.value === 'if');
    if (!argument) throw new RequestError(`Directive "@${name}" argument "if" of type "Boolean!" is required.`);
    const condition = booleanOf(argument.value, context);
    if ((name === 'skip') === condition) return false;
  }
  return true;
}

function booleanOf(value: ValueNode, context: Context): boolean {
  if (value.kind === Kind.BOOLEAN) return value.value;
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    if (!context.declared.has(name)) throw new RequestError(`Variable "$${name}" is not defined.`);
    const given = context.variables[name];
    if (typeof given === 'boolean') return given;
  }
  throw new RequestError('Argument "if" has invalid value: expected a Boolean.');
}
