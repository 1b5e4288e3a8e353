import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import type { BigCommerceEndpoints } from './endpoints';
import type { BigCommerceHttp } from './http';
import { parseResponse } from './response';

const accessTokenResponse = lazySchema(() =>
  z.object({
    data: z.object({
      access_token: z.string().check(z.minLength(1)),
      expires_at: z.optional(z.number().check(z.int(), z.positive())),
    }),
  }),
);

export interface InstrumentAccessToken {
  /** Exactly as returned, `IAT <jwt>`. */
  accessToken: string;
  /** Unix seconds, when the response carried it. */
  expiresAt?: number;
}

/** `POST /v3/payments/stored-instruments/access-tokens` (Stored Instruments, beta): no body. */
export class StoredInstrumentsClient {
  constructor(
    private readonly http: BigCommerceHttp,
    private readonly endpoints: BigCommerceEndpoints,
  ) {}

  async createAccessToken(storeHash: string, accessToken: string): Promise<InstrumentAccessToken> {
    const endpoint = `POST /stores/${storeHash}/v3/payments/stored-instruments/access-tokens`;
    const response = await this.http.send({
      method: 'POST',
      url: `${this.endpoints.apiUrl}/stores/${encodeURIComponent(storeHash)}/v3/payments/stored-instruments/access-tokens`,
      endpoint,
      headers: { 'x-auth-token': accessToken },
      rateLimit: { family: 'core', key: storeHash },
    });
    const { data } = parseResponse(accessTokenResponse(), response.body, endpoint);
    return { accessToken: data.access_token, ...(data.expires_at !== undefined ? { expiresAt: data.expires_at } : {}) };
  }
}
