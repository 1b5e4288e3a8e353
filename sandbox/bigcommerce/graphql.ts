import type { SandboxRequest, SandboxResponse } from '../http';
import type { Accounts } from './accounts';
import { v3Error } from './errors';
import type { StorefrontTokens } from './storefront-tokens';

/** The sandbox's stand-in for `https://store-{storeHash}-{channelId}.mybigcommerce.com/graphql`. */
export const GRAPHQL_PATH = /^\/storefront\/store-([a-z0-9]+)-(\d+)\/graphql$/;

/** The one query the sandbox answers: the cheapest real read a storefront token can make. */
const STORE_NAME_QUERY = /^\s*(query\s*\w*\s*)?\{\s*site\s*\{\s*settings\s*\{\s*storeName\s*\}\s*\}\s*\}\s*$/;

/** GraphQL Storefront API: bearer-token checks (expiry, revocation, store, channel, origin) and `storeName`. */
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

  let query: unknown;
  try {
    query = (JSON.parse(request.rawBody) as { query?: unknown }).query;
  } catch {
    return { status: 400, body: { errors: [{ message: 'Request body must be JSON with a "query" string' }] } };
  }
  if (typeof query !== 'string' || !STORE_NAME_QUERY.test(query)) {
    return {
      status: 200,
      body: { errors: [{ message: 'The sandbox answers only { site { settings { storeName } } }' }] },
    };
  }
  return { status: 200, body: { data: { site: { settings: { storeName: store.storeName } } } } };
}

function header(request: SandboxRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
