import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import type { BigCommerceEndpoints } from './endpoints';
import type { BigCommerceHttp } from './http';
import { parseResponse } from './response';

/** `POST /v3/storefront/api-token*` request bodies, per the spec. */
export type CreateStorefrontTokenRequest =
  | { kind: 'private'; expiresAt: number; channelIds: number[]; scopes: string[] }
  | { kind: 'storefront'; expiresAt: number; channelIds: number[]; allowedCorsOrigins: string[] }
  | { kind: 'customer-impersonation'; expiresAt: number; channelIds: number[] };

const PATHS: Record<CreateStorefrontTokenRequest['kind'], string> = {
  private: '/storefront/api-token-private',
  storefront: '/storefront/api-token',
  'customer-impersonation': '/storefront/api-token-customer-impersonation',
};

const tokenResponse = lazySchema(() => z.object({ data: z.object({ token: z.string().check(z.minLength(1)) }) }));

/** Creates and revokes GraphQL Storefront API tokens with a store-level API account token. */
export class StorefrontTokensClient {
  constructor(
    private readonly http: BigCommerceHttp,
    private readonly endpoints: BigCommerceEndpoints,
  ) {}

  async create(storeHash: string, accessToken: string, request: CreateStorefrontTokenRequest): Promise<string> {
    const path = PATHS[request.kind];
    const endpoint = `POST /stores/${storeHash}/v3${path}`;
    const body: Record<string, unknown> = { channel_ids: request.channelIds, expires_at: request.expiresAt };
    if (request.kind === 'private') body.scopes = request.scopes;
    if (request.kind === 'storefront') body.allowed_cors_origins = request.allowedCorsOrigins;
    const response = await this.http.send({
      method: 'POST',
      url: `${this.endpoints.apiUrl}/stores/${encodeURIComponent(storeHash)}/v3${path}`,
      endpoint,
      headers: { 'x-auth-token': accessToken },
      body,
      rateLimit: { family: 'core', key: storeHash },
    });
    return parseResponse(tokenResponse(), response.body, endpoint).data.token;
  }

  /** `DELETE /v3/storefront/api-token`: BigCommerce schedules the revocation; revoking twice is harmless. */
  async revoke(storeHash: string, accessToken: string, token: string): Promise<void> {
    await this.http.send({
      method: 'DELETE',
      url: `${this.endpoints.apiUrl}/stores/${encodeURIComponent(storeHash)}/v3/storefront/api-token`,
      endpoint: `DELETE /stores/${storeHash}/v3/storefront/api-token`,
      headers: { 'x-auth-token': accessToken, 'sf-api-token': token },
      rateLimit: { family: 'core', key: storeHash },
    });
  }
}
