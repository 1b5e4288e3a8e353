import type { SandboxRequest, SandboxResponse } from '../http';
import type { Accounts } from './accounts';
import { v3Error } from './errors';
import { runQuery } from './graphql-query';
import type { StorefrontTokens } from './storefront-tokens';

/** The sandbox's stand-in for `https://store-{storeHash}-{channelId}.mybigcommerce.com/graphql`. */
export const GRAPHQL_PATH = /^\/storefront\/store-([a-z0-9]+)-(\d+)\/graphql$/;

const BIGCOMMERCE_GRAPHQL_URL = /^https:\/\/store-([a-z0-9]+)-(\d+)\.mybigcommerce\.com\/graphql(?=$|\?)/;

/**
 * `fetch` for an app under test whose client calls BigCommerce's GraphQL hosts itself (Catalyst's does):
 * `https://store-{storeHash}-{channelId}.mybigcommerce.com/graphql` goes to the sandbox's stand-in at
 * `urlTemplate` (its `graphqlUrlTemplate`), query string kept; any other request goes where it points.
 */
export function fetchThroughSandbox(urlTemplate: string, fetchImpl: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
    const routed = url?.replace(BIGCOMMERCE_GRAPHQL_URL, (_, storeHash: string, channelId: string) =>
      urlTemplate.replace('{storeHash}', storeHash).replace('{channelId}', channelId),
    );
    return fetchImpl(routed ?? input, init);
  };
}

/**
 * GraphQL Storefront API: bearer-token checks (expiry, revocation, store, channel, origin), then the query
 * (graphql-query.ts). A token the API does not accept is refused with 401: the spec revokes "access for a
 * storefront API token or a private API token" (`DELETE /storefront/api-token`, storefront_tokens.v3.yml), and
 * BigCommerce's own client, @bigcommerce/catalyst-client 1.0.3, expects a refused storefront token as HTTP 401
 * (its InvalidStorefrontTokenError and BigCommerceAPIError carry the status). The spec says a revocation
 * "has been scheduled": the sandbox applies it at once, the earliest BigCommerce may, which is the case
 * consumers must survive.
 */
export function handleGraphql(request: SandboxRequest, accounts: Accounts, tokens: StorefrontTokens): SandboxResponse {
  const match = GRAPHQL_PATH.exec(request.path);
  if (!match) return v3Error(404, 'Not Found');
  if (request.method !== 'POST') return v3Error(405, 'The GraphQL Storefront API accepts POST requests');
  const [, storeHash, channel] = match as unknown as [string, string, string];
  const store = accounts.store(storeHash);
  const channelId = Number(channel);
  if (!store?.channelIds.includes(channelId))
    return v3Error(404, `No storefront for store ${storeHash} channel ${channel}`);

  const authorization = header(request, 'authorization');
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  const decision = tokens.authorizeGraphql(bearer, storeHash, channelId, header(request, 'origin'));
  if (!decision.ok) return v3Error(decision.status, decision.title);

  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    return { status: 400, body: { errors: [{ message: 'Request body must be JSON with a "query" string' }] } };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { status: 400, body: { errors: [{ message: 'Request body must be a JSON object with a "query" string' }] } };
  }
  return { status: 200, body: runQuery(body as Record<string, unknown>, store) };
}

function header(request: SandboxRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
