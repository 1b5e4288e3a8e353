import { B2bTokensClient } from '../bigcommerce/b2b-tokens';
import type { BigCommerceEndpoints } from '../bigcommerce/endpoints';
import type { BigCommerceHttp } from '../bigcommerce/http';
import { StorefrontGraphqlClient } from '../bigcommerce/storefront-graphql';
import { StorefrontTokensClient } from '../bigcommerce/storefront-tokens';
import { StoredInstrumentsClient } from '../bigcommerce/stored-instruments';
import { type RotatorKind, STOREFRONT_FAMILIES, type TokenFamily } from '../config/types';
import { B2bBackendFamilyAdapter } from '../families/b2b-backend';
import { StorefrontFamilyAdapter } from '../families/storefront';
import { StoredInstrumentsFamilyAdapter } from '../families/stored-instruments';
import type { FamilyAdapter } from '../rotation/family';

/** The family adapters a rotator function runs, wired to one BigCommerce HTTP client. */
export function familyAdapters(
  kind: RotatorKind,
  http: BigCommerceHttp,
  endpoints: BigCommerceEndpoints,
): ReadonlyMap<TokenFamily, FamilyAdapter> {
  switch (kind) {
    case 'storefront': {
      const tokens = new StorefrontTokensClient(http, endpoints);
      const graphql = new StorefrontGraphqlClient(http, endpoints);
      return new Map(
        STOREFRONT_FAMILIES.map((family) => [
          family,
          new StorefrontFamilyAdapter(family, tokens, graphql) as FamilyAdapter,
        ]),
      );
    }
    case 'payments':
      return new Map([
        [
          'stored-instruments',
          new StoredInstrumentsFamilyAdapter(new StoredInstrumentsClient(http, endpoints)) as FamilyAdapter,
        ],
      ]);
    case 'b2b':
      return new Map([
        ['b2b-backend', new B2bBackendFamilyAdapter(new B2bTokensClient(http, endpoints)) as FamilyAdapter],
      ]);
  }
}
