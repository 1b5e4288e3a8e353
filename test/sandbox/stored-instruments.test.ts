import { decodeJwt, request, useSandbox } from '../support/sandbox';

const sandbox = useSandbox({ bigcommerce: { storedInstrumentTokens: { lifetimeSeconds: 900 } } });

function createToken(token = sandbox().store.accessToken) {
  return request(
    `${sandbox().bigcommerce.apiUrl}/stores/${sandbox().store.storeHash}/v3/payments/stored-instruments/access-tokens`,
    { method: 'POST', headers: { 'x-auth-token': token } },
  );
}

afterEach(() => {
  sandbox().bigcommerce.api.storedInstrumentTokens.configure({ includeExpiresAt: true, lifetimeSeconds: 900 });
  sandbox().clock.set(Date.now());
});

describe('POST /payments/stored-instruments/access-tokens', () => {
  it('answers 201 with an IAT-prefixed JWT for this store and its expiry', async () => {
    const before = sandbox().clock.nowSeconds();
    const res = await createToken();
    expect(res.status).toBe(201);
    expect(res.body.meta).toEqual({});
    const { access_token: accessToken, expires_at: expiresAt } = res.body.data;
    expect(accessToken).toMatch(/^IAT [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(expiresAt - before).toBeGreaterThanOrEqual(900);
    expect(expiresAt - before).toBeLessThanOrEqual(901);
    const claims = decodeJwt(accessToken.slice('IAT '.length));
    expect(claims).toMatchObject({ sub: sandbox().store.storeHash, exp: expiresAt, iss: 'payments.bigcommerce.com' });
    expect(sandbox().bigcommerce.api.storedInstrumentTokens.isValid(accessToken, sandbox().store.storeHash)).toBe(true);
  });

  it('tokens stop being valid when the clock passes their expiry', async () => {
    const res = await createToken();
    sandbox().clock.advance(901_000);
    expect(
      sandbox().bigcommerce.api.storedInstrumentTokens.isValid(res.body.data.access_token, sandbox().store.storeHash),
    ).toBe(false);
  });

  it('can leave expires_at out, as a client must tolerate', async () => {
    sandbox().bigcommerce.api.storedInstrumentTokens.configure({ includeExpiresAt: false });
    const res = await createToken();
    expect(res.status).toBe(201);
    expect(res.body.data).not.toHaveProperty('expires_at');
    expect(decodeJwt(res.body.data.access_token.slice(4)).exp).toEqual(expect.any(Number));
  });

  it('answers 403 without the Create Payments scope and 401 for an unknown token', async () => {
    expect((await createToken(sandbox().store.limitedAccessToken)).status).toBe(403);
    expect((await createToken('unknown')).status).toBe(401);
  });

  it('refuses a nonsensical lifetime', () => {
    expect(() => sandbox().bigcommerce.api.storedInstrumentTokens.configure({ lifetimeSeconds: 0 })).toThrow(
      /lifetimeSeconds/,
    );
  });
});
