import { SCOPES } from '../../sandbox/bigcommerce/accounts';
import { decodeJwt, request, secondsFromNow, useSandbox } from '../support/sandbox';

const sandbox = useSandbox({
  bigcommerce: { stores: [{ storeHash: 'storeone1', channelIds: [1, 7] }, { storeHash: 'storetwo2' }] },
});

function url(path: string, storeHash = 'storeone1'): string {
  return `${sandbox().bigcommerce.apiUrl}/stores/${storeHash}/v3${path}`;
}

function mint(path: string, json: unknown, token = sandbox().store.accessToken) {
  return request(url(path), { method: 'POST', headers: { 'x-auth-token': token }, json });
}

describe('POST /storefront/api-token-private', () => {
  it('returns a JWT carrying store, channels, scopes and the requested expiry', async () => {
    const expiresAt = secondsFromNow(sandbox(), 3600);
    const res = await mint('/storefront/api-token-private', {
      channel_ids: [1, 7],
      expires_at: expiresAt,
      scopes: ['Unauthenticated', 'Customer'],
    });
    expect(res.status).toBe(200);
    expect(res.body.meta).toEqual({});
    const claims = decodeJwt(res.body.data.token);
    expect(claims).toMatchObject({
      store_hash: 'storeone1',
      cid: [1, 7],
      scopes: ['Unauthenticated', 'Customer'],
      exp: expiresAt,
      token_type: 'private',
    });
    const issued = sandbox()
      .bigcommerce.api.storefrontTokens.issued()
      .find((t) => t.token === res.body.data.token);
    expect(issued?.expiresAt.getTime()).toBe(expiresAt * 1000);
  });

  it.each([
    ['expires_at is missing', { channel_id: 1, scopes: ['Customer'] }, 'expires_at'],
    ['expires_at is a string', { channel_id: 1, scopes: ['Customer'], expires_at: '1885635176' }, 'expires_at'],
    [
      'expires_at is in milliseconds',
      { channel_id: 1, scopes: ['Customer'], expires_at: Date.now() + 3_600_000 },
      'expires_at',
    ],
    ['expires_at is in the past', { channel_id: 1, scopes: ['Customer'], expires_at: 1000 }, 'expires_at'],
    ['neither channel field is sent', { scopes: ['Customer'], expires_at: 'FUTURE' }, 'channel_ids'],
    [
      'both channel fields are sent',
      { channel_id: 1, channel_ids: [1], scopes: ['Customer'], expires_at: 'FUTURE' },
      'channel_ids',
    ],
    ['channel_id is zero', { channel_id: 0, scopes: ['Customer'], expires_at: 'FUTURE' }, 'channel_id'],
    ['channel_ids is empty', { channel_ids: [], scopes: ['Customer'], expires_at: 'FUTURE' }, 'channel_ids'],
    ['the channel does not exist', { channel_ids: [1, 99], scopes: ['Customer'], expires_at: 'FUTURE' }, 'channel_ids'],
    ['scopes is missing', { channel_id: 1, expires_at: 'FUTURE' }, 'scopes'],
    ['scopes is empty', { channel_id: 1, scopes: [], expires_at: 'FUTURE' }, 'scopes'],
    ['a scope is not in the enum', { channel_id: 1, scopes: ['Admin'], expires_at: 'FUTURE' }, 'scopes'],
  ])('answers 422 naming the field when %s', async (_case, body, field) => {
    const json = JSON.parse(JSON.stringify(body).replace('"FUTURE"', String(secondsFromNow(sandbox(), 600))));
    const before = sandbox().bigcommerce.api.storefrontTokens.issued().length;
    const res = await mint('/storefront/api-token-private', json);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 422, title: expect.any(String) });
    expect(Object.keys(res.body.errors)).toContain(field);
    expect(sandbox().bigcommerce.api.storefrontTokens.issued()).toHaveLength(before);
  });

  it('answers 422 for a body that is not JSON', async () => {
    const res = await request(url('/storefront/api-token-private'), {
      method: 'POST',
      headers: { 'x-auth-token': sandbox().store.accessToken, 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(res.status).toBe(422);
  });

  it('answers 401 without X-Auth-Token, with an unknown one, and with another store’s', async () => {
    const body = { channel_id: 1, scopes: ['Customer'], expires_at: secondsFromNow(sandbox(), 600) };
    expect((await request(url('/storefront/api-token-private'), { method: 'POST', json: body })).status).toBe(401);
    expect((await mint('/storefront/api-token-private', body, 'notarealtoken')).status).toBe(401);
    const otherStore = sandbox().bigcommerce.api.seeded[1]!.accessToken;
    expect((await mint('/storefront/api-token-private', body, otherStore)).status).toBe(401);
  });

  it('answers 403 when the account lacks the Storefront API Tokens scope', async () => {
    const res = await mint(
      '/storefront/api-token-private',
      { channel_id: 1, scopes: ['Customer'], expires_at: secondsFromNow(sandbox(), 600) },
      sandbox().store.limitedAccessToken,
    );
    expect(res.status).toBe(403);
    expect(res.body.title).toBe("You don't have a required scope to access the endpoint");
  });
});

describe('POST /storefront/api-token', () => {
  it('returns a token that carries its CORS origins', async () => {
    const res = await mint('/storefront/api-token', {
      channel_id: 1,
      expires_at: secondsFromNow(sandbox(), 600),
      allowed_cors_origins: ['https://shop.example', 'https://www.shop.example'],
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.data.token)).toMatchObject({
      cors: ['https://shop.example', 'https://www.shop.example'],
      token_type: 'storefront',
      cid: [1],
    });
  });

  it('refuses more than two CORS origins', async () => {
    const res = await mint('/storefront/api-token', {
      channel_id: 1,
      expires_at: secondsFromNow(sandbox(), 600),
      allowed_cors_origins: ['https://a.example', 'https://b.example', 'https://c.example'],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toHaveProperty('allowed_cors_origins');
  });

  it('accepts a request without a body only to reject the missing expiry', async () => {
    const res = await request(url('/storefront/api-token'), {
      method: 'POST',
      headers: { 'x-auth-token': sandbox().store.accessToken },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toHaveProperty('expires_at');
  });
});

describe('POST /storefront/api-token-customer-impersonation', () => {
  it('mints with the customer impersonation scope', async () => {
    const res = await mint('/storefront/api-token-customer-impersonation', {
      channel_id: 7,
      expires_at: secondsFromNow(sandbox(), 600),
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.data.token)).toMatchObject({ token_type: 'customer-impersonation', cid: [7] });
  });

  it('answers 403 to an account that has only the Storefront API Tokens scope', async () => {
    const account = sandbox().bigcommerce.api.accounts.addApiAccount('storeone1', [SCOPES.storefrontTokens]);
    const res = await mint(
      '/storefront/api-token-customer-impersonation',
      { channel_id: 1, expires_at: secondsFromNow(sandbox(), 600) },
      account.accessToken,
    );
    expect(res.status).toBe(403);
  });
});

describe('DELETE /storefront/api-token', () => {
  async function mintPrivate(): Promise<string> {
    const res = await mint('/storefront/api-token-private', {
      channel_id: 1,
      expires_at: secondsFromNow(sandbox(), 600),
      scopes: ['Unauthenticated'],
    });
    return res.body.data.token;
  }

  it('revokes the token named in Sf-Api-Token, idempotently', async () => {
    const token = await mintPrivate();
    const revoke = () =>
      request(url('/storefront/api-token'), {
        method: 'DELETE',
        headers: { 'x-auth-token': sandbox().store.accessToken, 'sf-api-token': token },
      });
    expect((await revoke()).status).toBe(200);
    expect((await revoke()).status).toBe(200);
    expect(
      sandbox()
        .bigcommerce.api.storefrontTokens.issued()
        .find((t) => t.token === token)?.revokedAt,
    ).toBeInstanceOf(Date);
  });

  it('answers 422 when the header is missing or is not a token of this store', async () => {
    const headers = { 'x-auth-token': sandbox().store.accessToken };
    expect((await request(url('/storefront/api-token'), { method: 'DELETE', headers })).status).toBe(422);
    expect(
      (
        await request(url('/storefront/api-token'), {
          method: 'DELETE',
          headers: { ...headers, 'sf-api-token': 'eyJ.not.valid' },
        })
      ).status,
    ).toBe(422);
  });

  it('answers 403 without a storefront scope', async () => {
    const token = await mintPrivate();
    const res = await request(url('/storefront/api-token'), {
      method: 'DELETE',
      headers: { 'x-auth-token': sandbox().store.limitedAccessToken, 'sf-api-token': token },
    });
    expect(res.status).toBe(403);
    expect(
      sandbox()
        .bigcommerce.api.storefrontTokens.issued()
        .find((t) => t.token === token)?.revokedAt,
    ).toBeUndefined();
  });
});

describe('routing', () => {
  it('answers 404 for an unknown store and route, 405 for a wrong method', async () => {
    expect((await request(url('/storefront/api-token', 'nosuchstore'), { method: 'POST', json: {} })).status).toBe(404);
    expect((await request(url('/storefront/nothing'), { method: 'POST', json: {} })).status).toBe(404);
    const wrongMethod = await request(url('/storefront/api-token-private'), { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });
});
