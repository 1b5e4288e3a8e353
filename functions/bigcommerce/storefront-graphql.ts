import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import { type BigCommerceEndpoints, graphqlUrl } from './endpoints';
import type { BigCommerceHttp } from './http';
import { parseResponse } from './response';

/** The cheapest real read a storefront token can make. */
export const STORE_NAME_QUERY = '{ site { settings { storeName } } }';

const storeNameResponse = lazySchema(() =>
  z.object({
    data: z.object({ site: z.object({ settings: z.object({ storeName: z.string() }) }) }),
  }),
);

export interface StorefrontQueryTarget {
  storeHash: string;
  channelId: number;
  token: string;
  /** Sent as `Origin` for browser-only (storefront) tokens, which BigCommerce refuses server-to-server. */
  origin?: string;
}

/** The GraphQL Storefront API, used to prove a freshly minted token works before anyone relies on it. */
export class StorefrontGraphqlClient {
  constructor(
    private readonly http: BigCommerceHttp,
    private readonly endpoints: BigCommerceEndpoints,
  ) {}

  async storeName(target: StorefrontQueryTarget): Promise<string> {
    const endpoint = `POST graphql store-${target.storeHash}-${target.channelId}`;
    const response = await this.http.send({
      method: 'POST',
      url: graphqlUrl(this.endpoints, target.storeHash, target.channelId),
      endpoint,
      headers: { authorization: `Bearer ${target.token}`, ...(target.origin ? { origin: target.origin } : {}) },
      body: { query: STORE_NAME_QUERY },
    });
    return parseResponse(storeNameResponse(), response.body, endpoint).data.site.settings.storeName;
  }
}
