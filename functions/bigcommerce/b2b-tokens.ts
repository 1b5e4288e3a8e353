import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import type { BigCommerceEndpoints } from './endpoints';
import { BigCommerceApiError, UnexpectedResponseError, knownTitle } from './errors';
import type { BigCommerceHttp, HttpResponse } from './http';
import { parseResponse } from './response';

/** One server-to-server token as `GET /backend/tokens` lists it. */
export interface B2bTokenInfo {
  id: number;
  name: string;
  email: string;
  storeHash: string;
  token: string;
  eventChannel?: string;
}

/** The largest page `GET /backend/tokens` serves. */
export const MAX_PAGE_SIZE = 250;
/** Guards against a server whose totalCount never stops growing. */
const MAX_PAGES = 1_000;

const createResponse = lazySchema(() =>
  z.object({
    data: z.array(z.object({ name: z.string(), token: z.string().check(z.minLength(1)) })).check(z.minLength(1)),
  }),
);
const listResponse = lazySchema(() =>
  z.object({
    data: z.array(
      z.object({
        id: z.number().check(z.int()),
        name: z.string(),
        email: z.string(),
        storeHash: z.string(),
        token: z.string(),
        eventChannel: z.optional(z.string()),
      }),
    ),
    meta: z.object({ pagination: z.object({ totalCount: z.number().check(z.int(), z.nonnegative()) }) }),
  }),
);

/**
 * B2B Edition server-to-server tokens (`authToken`): create with the backend user's login, list and delete
 * with a token. All calls count against the store's B2B quota (150 per minute).
 */
export class B2bTokensClient {
  constructor(
    private readonly http: BigCommerceHttp,
    private readonly endpoints: BigCommerceEndpoints,
  ) {}

  async create(request: {
    storeHash: string;
    email: string;
    password: string;
    name: string;
  }): Promise<{ name: string; token: string }> {
    const endpoint = 'POST /auth/backend';
    const response = await this.http.send({
      method: 'POST',
      url: `${this.endpoints.b2bApiUrl}/auth/backend`,
      endpoint,
      body: request,
      rateLimit: { family: 'b2b', key: request.storeHash },
    });
    const first = parseResponse(createResponse(), envelopeOk(response, endpoint), endpoint).data[0] as {
      name: string;
      token: string;
    };
    return first;
  }

  async listPage(
    storeHash: string,
    authToken: string,
    offset: number,
    limit = MAX_PAGE_SIZE,
  ): Promise<{ tokens: B2bTokenInfo[]; totalCount: number }> {
    const endpoint = 'GET /backend/tokens';
    const response = await this.http.send({
      method: 'GET',
      url: `${this.endpoints.b2bApiUrl}/backend/tokens?limit=${limit}&offset=${offset}`,
      endpoint,
      headers: { authToken },
      rateLimit: { family: 'b2b', key: storeHash },
    });
    const parsed = parseResponse(listResponse(), envelopeOk(response, endpoint), endpoint);
    return { tokens: parsed.data, totalCount: parsed.meta.pagination.totalCount };
  }

  /** Every token of the store, page by page (`limit` 250, `offset`, until `totalCount`). */
  async listAll(storeHash: string, authToken: string): Promise<B2bTokenInfo[]> {
    const all: B2bTokenInfo[] = [];
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      const page = await this.listPage(storeHash, authToken, all.length);
      all.push(...page.tokens);
      if (page.tokens.length === 0 || all.length >= page.totalCount) return all;
    }
    throw new UnexpectedResponseError(
      'GET /backend/tokens',
      `more than ${MAX_PAGES} pages of tokens; refusing to continue`,
    );
  }

  /** `DELETE /auth/backend` with the id in the body; a 404 means it is already gone. */
  async delete(storeHash: string, authToken: string, id: number): Promise<'deleted' | 'already-gone'> {
    const endpoint = 'DELETE /auth/backend';
    try {
      const response = await this.http.send({
        method: 'DELETE',
        url: `${this.endpoints.b2bApiUrl}/auth/backend`,
        endpoint,
        headers: { authToken },
        body: { id },
        rateLimit: { family: 'b2b', key: storeHash },
      });
      envelopeOk(response, endpoint);
      return 'deleted';
    } catch (error) {
      if (error instanceof BigCommerceApiError && error.status === 404) return 'already-gone';
      throw error;
    }
  }
}

/**
 * The B2B envelope carries its own `code`; a 2xx HTTP answer whose envelope says otherwise is that error,
 * and its words are as untrusted as any error body's: only a known title is kept. Returns the body.
 */
function envelopeOk(response: HttpResponse, endpoint: string): unknown {
  const body = response.body as { code?: unknown } | undefined;
  if (typeof body?.code === 'number' && body.code >= 400) {
    throw new BigCommerceApiError(body.code, endpoint, knownTitle(body));
  }
  return body;
}
