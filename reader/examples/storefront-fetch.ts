import { createTokenReader, type ReaderToken, type TokenReader } from '..';

/**
 * One GraphQL Storefront API request with the token the secret holds. After a 401 it asks the reader for
 * the token AWSCURRENT holds now and tries once more, only if that is another version.
 */
export async function storefrontQuery<T>(reader: TokenReader, graphqlUrl: string, query: string): Promise<T> {
  const send = (token: ReaderToken) =>
    fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [token.header]: token.value },
      body: JSON.stringify({ query }),
    });
  const token = await reader.getToken();
  let response = await send(token);
  if (response.status === 401) {
    const fresh = await reader.refresh(token);
    if (fresh.versionId !== token.versionId) response = await send(fresh);
  }
  if (!response.ok) throw new Error(`GraphQL Storefront API answered ${response.status}`);
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || body.data === undefined) throw new Error('GraphQL Storefront API answered with errors');
  return body.data;
}

// One reader per secret, for the life of the process: its cache is what keeps reads rare.
const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });

export async function printStoreName(): Promise<void> {
  const data = await storefrontQuery<{ site: { settings: { storeName: string } } }>(
    reader,
    'https://store-abc123xyz-1.mybigcommerce.com/graphql',
    '{ site { settings { storeName } } }',
  );
  console.log(data.site.settings.storeName);
}
