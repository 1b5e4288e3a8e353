import { BigCommerceAPIError, createClient } from '@bigcommerce/catalyst-client';
import { createTokenReader, type ReaderToken, type TokenReader } from '..';

type Client = ReturnType<typeof createClient>;
/** Everything `createClient` takes but the token, which comes from the secret. */
type ClientOptions = Omit<Parameters<typeof createClient>[0], 'storefrontToken'>;

/**
 * Catalyst's client, with the token the secret holds. A client keeps its token for life, so there is one per
 * token version, each created from the app's own options (getChannelId, beforeRequest, onError, logger, ...),
 * only the latest kept. `fetch` is the client's own; after a 401 it retries once with the token AWSCURRENT
 * holds now, if that is another version.
 */
export function createRotatingClient(reader: TokenReader, options: ClientOptions): Pick<Client, 'fetch'> {
  let latest: { versionId: string; client: Client } | undefined;

  function clientFor(token: ReaderToken): Client {
    if (latest?.versionId !== token.versionId) {
      // The token alone: the client adds `Bearer `.
      latest = { versionId: token.versionId, client: createClient({ ...options, storefrontToken: token.token }) };
    }
    return latest.client;
  }

  async function withToken<T>(call: (client: Client) => Promise<T>): Promise<T> {
    const token = await reader.getToken();
    try {
      return await call(clientFor(token));
    } catch (error) {
      if (!(error instanceof BigCommerceAPIError) || error.status !== 401) throw error;
      const fresh = await reader.refresh(token);
      if (fresh.versionId === token.versionId) throw error;
      return call(clientFor(fresh));
    }
  }

  // The request goes to the client's own `fetch` as it is, so this is typed as that method: both of its
  // overloads (with and without variables) stay, and each infers the result from the document.
  const fetch = ((request: Parameters<Client['fetch']>[0]) =>
    withToken((client) => client.fetch(request))) as Client['fetch'];
  return { fetch };
}

// Catalyst's client/index.ts: the same createClient options, minus storefrontToken; the token comes from the
// secret, whose name replaces BIGCOMMERCE_STOREFRONT_TOKEN.
export const client = createRotatingClient(
  createTokenReader({ secretId: process.env.BIGCOMMERCE_STOREFRONT_TOKEN_SECRET_ID ?? '' }),
  {
    storeHash: process.env.BIGCOMMERCE_STORE_HASH ?? '',
    channelId: process.env.BIGCOMMERCE_CHANNEL_ID,
    // ...and the rest of Catalyst's options as they are: getChannelId, beforeRequest, onError, logger, ...
  },
);
