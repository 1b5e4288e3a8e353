import { DEFAULT_HOSTILE_PADDING, HOSTILE_ECHO_FORMS, type HostileEcho } from '../../sandbox/bigcommerce/hostile';
import { type JsonResponse, request, secondsFromNow, useSandbox } from '../support/sandbox';

/** Credentials a client must escape (a quote, a backslash) and one too short for a length-based redactor. */
const QUOTED_PASSWORD = 'Qx"7\\vR2mZ9pLt';
const SHORT_PASSWORD = 'k7#Pq2z';
/** Random-looking like a real one: a secret made of words would match ordinary text in the secret audit. */
const ACCESS_TOKEN = 'h7q2zx9vm4k8c3b6n5w0s8d7f6g5j4t';

const sandbox = useSandbox({
  bigcommerce: {
    stores: [
      { storeHash: 'hostile1', accessToken: ACCESS_TOKEN, b2bAdmin: { password: QUOTED_PASSWORD } },
      { storeHash: 'hostile2', b2bAdmin: { email: 'owner@hostile2.example', password: SHORT_PASSWORD } },
    ],
  },
});

const core = (path: string, storeHash = 'hostile1') => `${sandbox().bigcommerce.apiUrl}/stores/${storeHash}/v3${path}`;
const b2b = (path: string) => `${sandbox().bigcommerce.b2bApiUrl}${path}`;
const control = (path: string) => `${sandbox().bigcommerce.apiUrl}/__sandbox/${path}`;

async function hostile(echo: HostileEcho | undefined): Promise<void> {
  const res =
    echo === undefined
      ? await request(control('hostile'), { method: 'DELETE' })
      : await request(control('hostile'), { method: 'PUT', json: { echo } });
  expect(res.status).toBe(echo === undefined ? 204 : 200);
}

/** What a credential looks like inside an error's words in each form. */
function encoded(echo: HostileEcho, secret: string): string {
  switch (echo) {
    case 'verbatim':
    case 'padded':
      return secret;
    case 'escaped':
      return JSON.stringify(secret).slice(1, -1);
    case 'upper':
      return secret.toUpperCase();
    case 'url':
      return encodeURIComponent(secret);
    case 'base64':
      return secret; // checked after decoding
  }
}

/** The words of an error answer, decoded when the form is base64 so the test can look for the credential. */
function words(echo: HostileEcho, text: string): string {
  if (echo !== 'base64') return text;
  const b64 = text.slice(text.lastIndexOf(': ') + 2);
  expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
  return Buffer.from(b64, 'base64').toString('utf8');
}

function expectEcho(echo: HostileEcho, text: unknown, secret: string): void {
  expect(typeof text).toBe('string');
  expect(words(echo, text as string)).toContain(encoded(echo, secret));
}

function v3Words(res: JsonResponse): unknown[] {
  return [res.body.title, res.body.detail];
}

function b2bWords(res: JsonResponse): unknown[] {
  return [res.body.data.errMsg, res.body.meta.message];
}

function mintPrivate(token: string, body: unknown = { channel_id: 1, scopes: ['Customer'] }) {
  return request(core('/storefront/api-token-private'), {
    method: 'POST',
    headers: { 'x-auth-token': token },
    json: body,
  });
}

afterEach(async () => {
  await hostile(undefined);
  await request(control('faults'), { method: 'DELETE' });
});

describe.each(HOSTILE_ECHO_FORMS)('hostile mode, %s echo', (echo) => {
  beforeEach(() => hostile(echo));

  it('core API 422 echoes the X-Auth-Token and body into title and detail', async () => {
    const res = await mintPrivate(ACCESS_TOKEN, { channel_id: 1, scopes: ['Customer'], note: 'body-marker' });
    expect(res.status).toBe(422);
    for (const text of v3Words(res)) {
      expectEcho(echo, text, ACCESS_TOKEN);
      expectEcho(echo, text, 'body-marker');
    }
    // The spec's field errors stay as they were.
    expect(res.body.errors).toHaveProperty('expires_at');
  });

  it('core API 401 and 403 echo the token that was refused', async () => {
    const unknown = await mintPrivate('notanaccounttoken0000000000000');
    expect(unknown.status).toBe(401);
    for (const text of v3Words(unknown)) expectEcho(echo, text, 'notanaccounttoken0000000000000');
    const limited = sandbox().bigcommerce.api.seeded[0]?.limitedAccessToken as string;
    const forbidden = await mintPrivate(limited);
    expect(forbidden.status).toBe(403);
    for (const text of v3Words(forbidden)) expectEcho(echo, text, limited);
  });

  it('payments answers and injected 5xx and 429 echo too', async () => {
    for (const fault of [{ kind: 'status', status: 503 }, { kind: 'rate-limit' }]) {
      await request(control('faults'), {
        method: 'POST',
        json: { match: { path: 'stored-instruments' }, fault },
      });
      const res = await request(core('/payments/stored-instruments/access-tokens'), {
        method: 'POST',
        headers: { 'x-auth-token': ACCESS_TOKEN },
      });
      expect(res.status).toBe(fault.kind === 'rate-limit' ? 429 : 503);
      for (const text of v3Words(res)) expectEcho(echo, text, ACCESS_TOKEN);
    }
  });

  it('revoking echoes the Sf-Api-Token', async () => {
    const res = await request(core('/storefront/api-token'), {
      method: 'DELETE',
      headers: { 'x-auth-token': ACCESS_TOKEN, 'sf-api-token': 'eyJnot.a.token' },
    });
    expect(res.status).toBe(422);
    for (const text of v3Words(res)) expectEcho(echo, text, 'eyJnot.a.token');
  });

  it('B2B Edition 400 echoes the login, password included, into errMsg and meta.message', async () => {
    for (const [storeHash, email, password] of [
      ['hostile1', 'b2b-admin@hostile1.example', QUOTED_PASSWORD],
      ['hostile2', 'owner@hostile2.example', SHORT_PASSWORD],
    ] as const) {
      // The right login with a name too long: the 400 quotes the real password.
      const res = await request(b2b('/auth/backend'), {
        method: 'POST',
        json: { storeHash, email, password, name: 'x'.repeat(65) },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(400);
      for (const text of b2bWords(res)) expectEcho(echo, text, password);
      const wrong = await request(b2b('/auth/backend'), {
        method: 'POST',
        json: { storeHash, email, password: `${password}-wrong`, name: 'rotator' },
      });
      expect(wrong.status).toBe(400);
      for (const text of b2bWords(wrong)) expectEcho(echo, text, `${password}-wrong`);
    }
  });

  it('B2B Edition 404 and 401 echo the authToken', async () => {
    const { token } = sandbox().bigcommerce.api.b2b.addToken({
      storeHash: 'hostile1',
      email: 'b2b-admin@hostile1.example',
      name: 'caller',
    });
    const notFound = await request(b2b('/auth/backend'), {
      method: 'DELETE',
      headers: { authToken: token },
      json: { id: 987_654 },
    });
    expect(notFound.status).toBe(404);
    for (const text of b2bWords(notFound)) expectEcho(echo, text, token);
    const refused = await request(b2b('/backend/tokens'), { headers: { authToken: 'eyJunknown.b2b.token' } });
    expect(refused.status).toBe(401);
    for (const text of b2bWords(refused)) expectEcho(echo, text, 'eyJunknown.b2b.token');
  });

  it('GraphQL 401 echoes the bearer token', async () => {
    const res = await request(`${sandbox().bigcommerce.apiUrl}/storefront/store-hostile1-1/graphql`, {
      method: 'POST',
      headers: { authorization: 'Bearer eyJforged.graphql.token' },
      json: { query: '{ site { settings { storeName } } }' },
    });
    expect(res.status).toBe(401);
    for (const text of v3Words(res)) expectEcho(echo, text, 'eyJforged.graphql.token');
  });

  it('leaves success answers alone', async () => {
    const res = await mintPrivate(ACCESS_TOKEN, {
      channel_id: 1,
      scopes: ['Customer'],
      expires_at: secondsFromNow(sandbox(), 600),
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['data', 'meta']);
  });
});

describe('hostile mode, forms in detail', () => {
  it('escaped: a quote and a backslash appear as \\" and \\\\, never raw', async () => {
    await hostile('escaped');
    const res = await request(b2b('/auth/backend'), {
      method: 'POST',
      json: { storeHash: 'hostile1', email: 'b2b-admin@hostile1.example', password: QUOTED_PASSWORD, name: '' },
    });
    expect(res.body.data.errMsg).toContain('Qx\\"7\\\\vR2mZ9pLt');
    expect(res.body.data.errMsg).not.toContain(QUOTED_PASSWORD);
  });

  it('upper: the echo is upper-cased, so the exact credential is gone', async () => {
    await hostile('upper');
    const res = await mintPrivate(ACCESS_TOKEN);
    expect(res.body.title).not.toContain(ACCESS_TOKEN);
    expect(res.body.title).toContain(`X-AUTH-TOKEN: ${ACCESS_TOKEN.toUpperCase()}`);
  });

  it('base64: the credential is not there in plain text, only inside the encoded echo', async () => {
    await hostile('base64');
    const res = await mintPrivate(ACCESS_TOKEN);
    expect(res.body.title).not.toContain(ACCESS_TOKEN);
    expect(words('base64', res.body.title)).toContain(`x-auth-token: ${ACCESS_TOKEN}`);
  });

  it('url: the echo is URL-encoded', async () => {
    await hostile('url');
    const res = await request(b2b('/auth/backend'), {
      method: 'POST',
      json: { storeHash: 'hostile1', email: 'b2b-admin@hostile1.example', password: QUOTED_PASSWORD, name: '' },
    });
    expect(res.body.data.errMsg).toContain('Qx%227%5CvR2mZ9pLt');
    expect(res.body.data.errMsg).not.toContain(QUOTED_PASSWORD);
  });

  it('padded: 295 characters of filler, then the echo led by the credential, so a cut at 300 splits it', async () => {
    await hostile('padded');
    const res = await mintPrivate(ACCESS_TOKEN);
    const title = res.body.title as string;
    expect(title.startsWith('Invalid JSON request body')).toBe(true);
    expect(title.indexOf(ACCESS_TOKEN)).toBe(DEFAULT_HOSTILE_PADDING);
    const cut = title.slice(0, 300);
    expect(cut.endsWith(ACCESS_TOKEN.slice(0, 5))).toBe(true);
    expect(cut).not.toContain(ACCESS_TOKEN);
  });

  it('padded with another padding moves the cut', async () => {
    const res0 = await request(control('hostile'), { method: 'PUT', json: { echo: 'padded', padding: 280 } });
    expect(res0.body).toEqual({ hostile: { echo: 'padded', padding: 280 } });
    const res = await mintPrivate(ACCESS_TOKEN);
    expect((res.body.title as string).slice(0, 300).endsWith(ACCESS_TOKEN.slice(0, 20))).toBe(true);
  });

  it('the verbatim echo is the request: credentials, request line, headers in order, body', async () => {
    await hostile('verbatim');
    const res = await mintPrivate(ACCESS_TOKEN, { channel_id: 1 });
    const echo = (res.body.title as string).slice((res.body.title as string).indexOf(': ') + 2);
    const [first, line, ...rest] = echo.split('\n');
    expect(first).toBe(ACCESS_TOKEN);
    expect(line).toBe('POST /stores/hostile1/v3/storefront/api-token-private');
    expect(rest).toContain(`x-auth-token: ${ACCESS_TOKEN}`);
    expect(rest).toContain('content-type: application/json');
    expect(echo.endsWith('\n\n{"channel_id":1}')).toBe(true);
  });
});

describe('hostile mode controls', () => {
  it('is off by default and after DELETE, with BigCommerce’s own words', async () => {
    expect((await request(control('hostile'))).body).toEqual({ hostile: null });
    await hostile('verbatim');
    expect((await request(control('hostile'))).body).toEqual({ hostile: { echo: 'verbatim' } });
    await hostile(undefined);
    const res = await mintPrivate(ACCESS_TOKEN);
    expect(res.body.title).toBe('Invalid JSON request body - missing or invalid data.');
    expect(res.body).not.toHaveProperty('detail');
  });

  it('refuses an unknown form', async () => {
    const res = await request(control('hostile'), { method: 'PUT', json: { echo: 'rot13' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('verbatim');
    expect((await request(control('hostile'))).body).toEqual({ hostile: null });
  });

  it('is set in-process on the API object too', async () => {
    const api = sandbox().bigcommerce.api;
    api.setHostile({ echo: 'url' });
    expect(api.hostileMode).toEqual({ echo: 'url' });
    const res = await mintPrivate(ACCESS_TOKEN);
    expect(res.body.title).toContain(`x-auth-token%3A%20${ACCESS_TOKEN}`);
    api.setHostile(undefined);
    expect((await mintPrivate(ACCESS_TOKEN)).body.title).not.toContain(ACCESS_TOKEN);
  });

  it('seeds the chosen credentials', async () => {
    const [one, two] = sandbox().bigcommerce.api.seeded;
    expect(one).toMatchObject({ accessToken: ACCESS_TOKEN, b2bAdmin: { password: QUOTED_PASSWORD } });
    expect(two).toMatchObject({ b2bAdmin: { email: 'owner@hostile2.example', password: SHORT_PASSWORD } });
    const login = await request(b2b('/auth/backend'), {
      method: 'POST',
      json: { storeHash: 'hostile1', email: 'b2b-admin@hostile1.example', password: QUOTED_PASSWORD, name: 'ok' },
    });
    expect(login.status).toBe(200);
  });
});
