import type { Sandbox } from '../../sandbox';
import { STOREFRONT_S2S_CREATED_BY, STOREFRONT_S2S_SUNSET } from '../../sandbox/bigcommerce/storefront-tokens';
import { request, secondsFromNow, useSandbox } from '../support/sandbox';

const sandbox = useSandbox({
  bigcommerce: {
    stores: [{ storeHash: 'gqlstore1', storeName: 'Plant Parlour', channelIds: [1, 2] }, { storeHash: 'gqlstore2' }],
  },
});
const QUERY = { query: '{ site { settings { storeName } } }' };

async function mint(
  kind: 'api-token' | 'api-token-private' | 'api-token-customer-impersonation',
  extra: Record<string, unknown> = {},
  s: Sandbox = sandbox(),
): Promise<string> {
  const body = {
    channel_id: 1,
    expires_at: secondsFromNow(s, 600),
    ...(kind === 'api-token-private' ? { scopes: ['Unauthenticated'] } : {}),
    ...extra,
  };
  const res = await request(`${s.bigcommerce.apiUrl}/stores/gqlstore1/v3/storefront/${kind}`, {
    method: 'POST',
    headers: { 'x-auth-token': s.store.accessToken },
    json: body,
  });
  if (res.status !== 200) throw new Error(`mint failed: ${res.status} ${res.text}`);
  return res.body.data.token;
}

function graphql(
  token: string | undefined,
  { store = 'gqlstore1', channel = 1, origin }: { store?: string; channel?: number; origin?: string } = {},
) {
  const url = sandbox()
    .bigcommerce.graphqlUrlTemplate.replace('{storeHash}', store)
    .replace('{channelId}', String(channel));
  return request(url, {
    method: 'POST',
    json: QUERY,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(origin ? { origin } : {}) },
  });
}

afterEach(() => {
  sandbox().clock.set(Date.now());
});

describe('GraphQL Storefront API', () => {
  it('answers storeName for a valid private token', async () => {
    const res = await graphql(await mint('api-token-private'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { site: { settings: { storeName: 'Plant Parlour' } } } });
  });

  it('refuses a missing, unknown or forged token with 401', async () => {
    const token = await mint('api-token-private');
    const [header, payload] = token.split('.');
    for (const bad of [undefined, 'not-a-token', `${header}.${payload}.forgedsignature`]) {
      const res = await graphql(bad);
      expect(res.status).toBe(401);
      expect(res.body.title).toEqual(expect.any(String));
    }
  });

  it('refuses an expired token once the clock passes its expiry', async () => {
    const token = await mint('api-token-private', { expires_at: secondsFromNow(sandbox(), 60) });
    expect((await graphql(token)).status).toBe(200);
    sandbox().clock.advance(61_000);
    const res = await graphql(token);
    expect(res.status).toBe(401);
    expect(res.body.title).toBe('Token has expired');
  });

  it('refuses a revoked token', async () => {
    const token = await mint('api-token-private');
    await request(`${sandbox().bigcommerce.apiUrl}/stores/gqlstore1/v3/storefront/api-token`, {
      method: 'DELETE',
      headers: { 'x-auth-token': sandbox().store.accessToken, 'sf-api-token': token },
    });
    const res = await graphql(token);
    expect(res.status).toBe(401);
    expect(res.body.title).toBe('Token has been revoked');
  });

  it('refuses a token on a channel or store it was not minted for', async () => {
    const token = await mint('api-token-private');
    expect((await graphql(token, { channel: 2 })).status).toBe(401);
    expect((await graphql(token, { store: 'gqlstore2' })).status).toBe(401);
  });

  it('refuses private and impersonation tokens from a browser (an Origin header)', async () => {
    expect((await graphql(await mint('api-token-private'), { origin: 'https://shop.example' })).status).toBe(403);
    expect(
      (await graphql(await mint('api-token-customer-impersonation'), { origin: 'https://shop.example' })).status,
    ).toBe(403);
    expect((await graphql(await mint('api-token-customer-impersonation'))).status).toBe(200);
  });

  it('allows a storefront token only from its CORS origins', async () => {
    const token = await mint('api-token', { allowed_cors_origins: ['https://shop.example'] });
    expect((await graphql(token, { origin: 'https://shop.example' })).status).toBe(200);
    expect((await graphql(token, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('applies the server-to-server deprecation of storefront tokens by creation date', async () => {
    sandbox().clock.set(STOREFRONT_S2S_CREATED_BY - 86_400_000);
    const oldToken = await mint('api-token', { expires_at: Math.floor(STOREFRONT_S2S_SUNSET / 1000) + 86_400 * 30 });
    expect((await graphql(oldToken)).status).toBe(200);

    sandbox().clock.set(STOREFRONT_S2S_CREATED_BY + 1000);
    const newToken = await mint('api-token');
    expect((await graphql(newToken)).status).toBe(403);
    expect((await graphql(oldToken)).status).toBe(200);

    sandbox().clock.set(STOREFRONT_S2S_SUNSET);
    expect((await graphql(oldToken)).status).toBe(403);
  });

  it('answers only POST, on known storefronts, for the part of the schema it serves', async () => {
    const token = await mint('api-token-private');
    const url = sandbox()
      .bigcommerce.graphqlUrlTemplate.replace('{storeHash}', 'gqlstore1')
      .replace('{channelId}', '1');
    expect((await request(url, { method: 'GET' })).status).toBe(405);
    expect((await graphql(token, { channel: 9 })).status).toBe(404);
    const other = await request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      json: { query: '{ customer { email } }' },
    });
    expect(other.body).toEqual({ errors: [{ message: 'Cannot query field "customer" on type "Query".' }] });
  });
});

describe('GraphQL Storefront API queries', () => {
  let token: string;
  beforeAll(async () => {
    token = await mint('api-token-private');
  });

  const query = async (body: Record<string, unknown>) => {
    const url = sandbox()
      .bigcommerce.graphqlUrlTemplate.replace('{storeHash}', 'gqlstore1')
      .replace('{channelId}', '1');
    const res = await request(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, json: body });
    expect(res.status).toBe(200);
    return res.body;
  };
  const STORE_NAME_IF =
    'query StoreName($withName: Boolean!) { site { settings { storeName @include(if: $withName) } } }';

  it('applies variables: @include and @skip with a declared Boolean', async () => {
    expect(await query({ query: STORE_NAME_IF, variables: { withName: true } })).toEqual({
      data: { site: { settings: { storeName: 'Plant Parlour' } } },
    });
    expect(await query({ query: STORE_NAME_IF, variables: { withName: false } })).toEqual({
      data: { site: { settings: {} } },
    });
    const skip = 'query ($hide: Boolean = true) { site { settings { storeName @skip(if: $hide) } } }';
    expect(await query({ query: skip })).toEqual({ data: { site: { settings: {} } } });
    expect(await query({ query: skip, variables: { hide: false } })).toEqual({
      data: { site: { settings: { storeName: 'Plant Parlour' } } },
    });
  });

  it('refuses variables that are missing, null, of the wrong type or not declared', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ query: STORE_NAME_IF }, 'Variable "$withName" of required type "Boolean!" was not provided.'],
      [{ query: STORE_NAME_IF, variables: { withName: null } }, 'must not be null'],
      [{ query: STORE_NAME_IF, variables: { withName: 1 } }, 'got invalid value 1; Boolean cannot represent'],
      [{ query: STORE_NAME_IF, variables: [true] }, 'Variables must be provided as an Object'],
      [{ query: '{ site { settings { storeName @include(if: $x) } } }' }, 'Variable "$x" is not defined.'],
      [{ query: 'query ($p: ProductInput) { site { settings { storeName } } }' }, 'Unknown type "ProductInput".'],
    ];
    for (const [body, message] of cases) {
      const answer = await query(body);
      expect(answer.data).toBeUndefined();
      expect(answer.errors[0].message).toContain(message);
    }
  });

  it('answers aliases, fragments, __typename and the operation named by operationName', async () => {
    const document = `
      fragment Name on Settings { storeName }
      query First { site { settings { ...Name } } }
      query Second { shop: site { __typename settings { ... on Settings { name: storeName } } } }`;
    expect(await query({ query: document, operationName: 'First' })).toEqual({
      data: { site: { settings: { storeName: 'Plant Parlour' } } },
    });
    expect(await query({ query: document, operationName: 'Second' })).toEqual({
      data: { shop: { __typename: 'Site', settings: { name: 'Plant Parlour' } } },
    });
    expect((await query({ query: document })).errors[0].message).toBe(
      'Must provide operation name if query contains multiple operations.',
    );
  });

  it('refuses what the schema it serves does not have, and what is not GraphQL', async () => {
    const cases: [string, string][] = [
      ['{ site { settings { storeName { first } } } }', 'must not have a selection'],
      ['{ site { settings } }', 'must have a selection of subfields'],
      ['{ site { settings(channel: 1) { storeName } } }', 'Unknown argument "channel" on field "Site.settings".'],
      ['mutation { login { result } }', 'Schema is not configured to execute mutation operation.'],
      ['{ site { ...Missing } }', 'Unknown fragment "Missing".'],
      ['{ site { settings { storeName @deprecated } } }', 'Unknown directive "@deprecated".'],
      ['{ site { settings { storeName', 'Syntax Error'],
    ];
    for (const [document, message] of cases) {
      const answer = await query({ query: document });
      expect(answer.data).toBeUndefined();
      expect(answer.errors[0].message).toContain(message);
    }
  });
});
