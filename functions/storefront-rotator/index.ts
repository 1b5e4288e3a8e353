import { StorefrontGraphqlClient } from '../bigcommerce/storefront-graphql';
import { StorefrontTokensClient } from '../bigcommerce/storefront-tokens';
import { STOREFRONT_FAMILIES } from '../config/types';
import { StorefrontFamilyAdapter } from '../families/storefront';
import { type FamilyAdapterFactory, byFamily } from '../rotator/families';
import { rotatorFunction } from '../rotator/handler';

/** The private, storefront and customer-impersonation families, sharing one tokens and one GraphQL client. */
export const families: FamilyAdapterFactory = (http, endpoints) => {
  const tokens = new StorefrontTokensClient(http, endpoints);
  const graphql = new StorefrontGraphqlClient(http, endpoints);
  return byFamily(STOREFRONT_FAMILIES.map((family) => new StorefrontFamilyAdapter(family, tokens, graphql)));
};

/** Rotates private, storefront and customer-impersonation tokens; `createHandler` is for local runs. */
export const { handler, createHandler } = rotatorFunction('storefront', families);
