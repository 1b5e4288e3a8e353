import { initGraphQLTada } from 'gql.tada';

/**
 * The part of the GraphQL Storefront API's schema the sandbox serves, as an introspection result: `Query.site:
 * Site!`, `Site.settings: Settings`, `Settings.storeName: String!`, the fields and types of BigCommerce's
 * GraphQL Storefront API reference that a storefront token's cheapest read uses. graphql-query.ts answers
 * from it; `graphql` below types documents with it, as a Catalyst storefront types its documents with
 * BigCommerce's whole introspection.
 */
export const STOREFRONT_SCHEMA = {
  __schema: {
    queryType: { name: 'Query' },
    mutationType: null,
    subscriptionType: null,
    types: [
      {
        kind: 'OBJECT',
        name: 'Query',
        fields: [
          { name: 'site', args: [], type: { kind: 'NON_NULL', name: null, ofType: { kind: 'OBJECT', name: 'Site' } } },
        ],
      },
      {
        kind: 'OBJECT',
        name: 'Site',
        fields: [{ name: 'settings', args: [], type: { kind: 'OBJECT', name: 'Settings', ofType: null } }],
      },
      {
        kind: 'OBJECT',
        name: 'Settings',
        fields: [
          {
            name: 'storeName',
            args: [],
            type: { kind: 'NON_NULL', name: null, ofType: { kind: 'SCALAR', name: 'String', ofType: null } },
          },
        ],
      },
      { kind: 'SCALAR', name: 'String' },
      { kind: 'SCALAR', name: 'Boolean' },
      { kind: 'SCALAR', name: 'Int' },
      { kind: 'SCALAR', name: 'Float' },
      { kind: 'SCALAR', name: 'ID' },
    ],
  },
} as const;

/** gql.tada's `graphql()` for the schema the sandbox serves: results and variables inferred from each document. */
export const graphql = initGraphQLTada<{ introspection: typeof STOREFRONT_SCHEMA }>();
