// In a Catalyst storefront these come from '@bigcommerce/catalyst-client'; the stand-in has their shape.
import { BigCommerceAPIError, createClient } from './catalyst-stand-in';
import { createTokenReader, type ReaderToken } from '..';

type Client = ReturnType<typeof createClient>;

// Catalyst creates its client once, with `storefrontToken: process.env.BIGCOMMERCE_STOREFRONT_TOKEN`.
// Configure the secret's name instead; the token comes from the reader.
const reader = createTokenReader({ secretId: process.env.BIGCOMMERCE_STOREFRONT_TOKEN_SECRET_ID ?? '' });

// A client keeps its token for life: one per token version, only the latest kept.
let latest: { versionId: string; client: Client } | undefined;

function clientFor(token: ReaderToken): Client {
  if (latest?.versionId !== token.versionId) {
    const client = createClient({
      storefrontToken: token.token, // the token alone: the client adds `Bearer `
      storeHash: token.storeHash,
      channelId: process.env.BIGCOMMERCE_CHANNEL_ID ?? '1',
    });
    latest = { versionId: token.versionId, client };
  }
  return latest.client;
}

/** The token provider, where Catalyst's code used its one client: `(await storefrontClient()).fetch(...)`. */
export async function storefrontClient(): Promise<Client> {
  return clientFor(await reader.getToken());
}

/** `client.fetch` that, after a 401, retries once with the token AWSCURRENT holds now, if it is another one. */
export async function storefrontFetch<T>(request: Parameters<Client['fetch']>[0]): Promise<{ data: T }> {
  const token = await reader.getToken();
  try {
    return await clientFor(token).fetch<T>(request);
  } catch (error) {
    if (!(error instanceof BigCommerceAPIError) || error.status !== 401) throw error;
    const fresh = await reader.refresh(token);
    if (fresh.versionId === token.versionId) throw error;
    return clientFor(fresh).fetch<T>(request);
  }
}
