import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createTokenReader } from '../../reader';
import { storefrontQuery } from '../../reader/examples/storefront-fetch';
import { secretsManagerClient } from '../support/aws-clients';
import { request, secondsFromNow, useSandbox } from '../support/sandbox';
import { createSecret, putCurrent, tokenValue } from './secrets';

const STORE = 'readerstore';
const sandbox = useSandbox({ bigcommerce: { stores: [{ storeHash: STORE, storeName: 'Reader Store' }] } });
const QUERY = '{ site { settings { storeName } } }';
let client: SecretsManagerClient;

beforeAll(() => {
  client = secretsManagerClient(sandbox(), 1);
});

const graphqlUrl = () =>
  sandbox().bigcommerce.graphqlUrlTemplate.replace('{storeHash}', STORE).replace('{channelId}', '1');
const graphqlCalls = () => sandbox().bigcommerce.server.requests((r) => r.path.endsWith('/graphql')).length;

/** A private GraphQL Storefront token minted at the sandbox, stored as the rotator stores it. */
async function mintPrivate(): Promise<{ token: string; text: string }> {
  const expires = secondsFromNow(sandbox(), 7 * 86_400);
  const res = await request(`${sandbox().bigcommerce.apiUrl}/stores/${STORE}/v3/storefront/api-token-private`, {
    method: 'POST',
    headers: { 'x-auth-token': sandbox().store.accessToken },
    json: { channel_ids: [1], expires_at: expires, scopes: ['Unauthenticated'] },
  });
  if (res.status !== 200) throw new Error(`mint failed: ${res.status}`);
  const token = res.body.data.token as string;
  return tokenValue({ token, expiresAt: new Date(expires * 1000) });
}

async function revoke(token: string): Promise<void> {
  const res = await request(`${sandbox().bigcommerce.apiUrl}/stores/${STORE}/v3/storefront/api-token`, {
    method: 'DELETE',
    headers: { 'x-auth-token': sandbox().store.accessToken, 'sf-api-token': token },
  });
  if (res.status !== 200) throw new Error(`revoke failed: ${res.status}`);
}

describe('docs/consumers.md example: plain fetch to the GraphQL Storefront API', () => {
  it('sends the header and value getToken() answers', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, (await mintPrivate()).text);
    const reader = createTokenReader({ secretId: name, client });

    const data = await storefrontQuery<{ site: { settings: { storeName: string } } }>(reader, graphqlUrl(), QUERY);

    expect(data.site.settings.storeName).toBe('Reader Store');
  });

  it('after a 401, retries once with the token AWSCURRENT holds now', async () => {
    const name = await createSecret(client);
    const old = await mintPrivate();
    await putCurrent(client, name, old.text);
    const reader = createTokenReader({ secretId: name, client, clock: sandbox().clock });
    await reader.getToken();
    await putCurrent(client, name, (await mintPrivate()).text);
    await revoke(old.token);
    sandbox().clock.advance(60_000);
    const before = graphqlCalls();

    const data = await storefrontQuery<{ site: { settings: { storeName: string } } }>(reader, graphqlUrl(), QUERY);

    expect(data.site.settings.storeName).toBe('Reader Store');
    expect(graphqlCalls() - before).toBe(2);
  });

  it('does not retry when AWSCURRENT still holds the refused token', async () => {
    const name = await createSecret(client);
    const only = await mintPrivate();
    await putCurrent(client, name, only.text);
    const reader = createTokenReader({ secretId: name, client, clock: sandbox().clock });
    await reader.getToken();
    await revoke(only.token);
    sandbox().clock.advance(60_000);
    const before = graphqlCalls();

    await expect(storefrontQuery(reader, graphqlUrl(), QUERY)).rejects.toThrow('answered 401');
    expect(graphqlCalls() - before).toBe(1);
  });
});
