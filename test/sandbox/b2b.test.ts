import { B2B_TOKEN_NAME_MAX_LENGTH } from '../../sandbox/bigcommerce/b2b';
import { request, useSandbox } from '../support/sandbox';

const sandbox = useSandbox({ bigcommerce: { stores: [{ storeHash: 'b2bstore1' }, { storeHash: 'b2bstore2' }] } });

const b2b = (path: string) => `${sandbox().bigcommerce.b2bApiUrl}${path}`;

async function createToken(overrides: Record<string, unknown> = {}) {
  const { email, password } = sandbox().store.b2bAdmin;
  return request(b2b('/auth/backend'), {
    method: 'POST',
    json: { storeHash: 'b2bstore1', email, password, name: 'rotator-test', ...overrides },
  });
}

async function adminToken(): Promise<string> {
  const res = await createToken({ name: 'test-admin' });
  return res.body.data[0].token;
}

describe('POST /auth/backend', () => {
  it('creates a token for an administrator and answers in the B2B envelope', async () => {
    const res = await createToken({ name: 'nightly-sync' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      code: 200,
      data: [{ name: 'nightly-sync', token: expect.stringMatching(/^eyJ/) }],
      meta: { message: 'SUCCESS' },
    });
    const stored = sandbox()
      .bigcommerce.api.b2b.allTokens()
      .find((t) => t.token === res.body.data[0].token);
    expect(stored).toMatchObject({ name: 'nightly-sync', storeHash: 'b2bstore1', eventChannel: 'api' });
  });

  it('refuses wrong credentials with 400 and errMsg, creating nothing', async () => {
    const before = sandbox().bigcommerce.api.b2b.allTokens().length;
    for (const wrong of [{ password: 'wrong-password' }, { email: 'nobody@example.com' }, { storeHash: 'b2bstore2' }]) {
      const res = await createToken(wrong);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: 400,
        data: { errMsg: 'The email or password you have entered is incorrect. Please try again.' },
        meta: { message: 'API logic error' },
      });
    }
    expect(sandbox().bigcommerce.api.b2b.allTokens()).toHaveLength(before);
  });

  it('refuses users without an allowed role', async () => {
    sandbox().bigcommerce.api.b2b.addUser({
      storeHash: 'b2bstore1',
      email: 'rep@example.com',
      password: 'pw-for-rep',
      role: 'Sales Rep',
    });
    const res = await createToken({ email: 'rep@example.com', password: 'pw-for-rep' });
    expect(res.status).toBe(400);
    expect(res.body.data.errMsg).toBe('role forbidden');
  });

  it('requires every field and bounds the name length', async () => {
    for (const field of ['storeHash', 'email', 'password', 'name']) {
      const res = await createToken({ [field]: undefined });
      expect(res.status).toBe(400);
      expect(res.body.data.errMsg).toContain(field);
    }
    expect((await createToken({ name: 'x'.repeat(B2B_TOKEN_NAME_MAX_LENGTH) })).status).toBe(200);
    expect((await createToken({ name: 'x'.repeat(B2B_TOKEN_NAME_MAX_LENGTH + 1) })).status).toBe(400);
  });
});

describe('GET /backend/tokens', () => {
  it('requires a live authToken', async () => {
    const missing = await request(b2b('/backend/tokens'));
    expect(missing.status).toBe(401);
    expect(missing.body.data.errMsg).toBe('Invalid token header. No credentials provided.');
    expect((await request(b2b('/backend/tokens'), { headers: { authToken: 'eyJunknown' } })).status).toBe(401);
  });

  it('pages through more than 250 tokens with limit, offset and totalCount', async () => {
    const api = sandbox().bigcommerce.api.b2b;
    for (let i = 0; i < 300; i += 1)
      api.addToken({ storeHash: 'b2bstore1', email: 'someone@example.com', name: `bulk-${i}` });
    api.addToken({ storeHash: 'b2bstore2', email: 'someone@example.com', name: 'other-store' });
    const token = await adminToken();
    const total = api.allTokens().filter((t) => t.storeHash === 'b2bstore1').length;

    const seen: number[] = [];
    for (let offset = 0; offset < total; offset += 250) {
      const res = await request(b2b(`/backend/tokens?limit=250&offset=${offset}`), { headers: { authToken: token } });
      expect(res.status).toBe(200);
      expect(res.body.meta.pagination).toEqual({ totalCount: total, offset, limit: 250 });
      for (const t of res.body.data) {
        expect(Object.keys(t).sort()).toEqual(['email', 'eventChannel', 'id', 'name', 'storeHash', 'token']);
        expect(t.storeHash).toBe('b2bstore1');
      }
      seen.push(...res.body.data.map((t: { id: number }) => t.id));
    }
    expect(new Set(seen).size).toBe(total);
  });

  it('defaults to 10 per page and validates limit and offset', async () => {
    const token = await adminToken();
    const res = await request(b2b('/backend/tokens'), { headers: { authToken: token } });
    expect(res.body.data).toHaveLength(10);
    expect(res.body.meta.pagination.limit).toBe(10);
    expect((await request(b2b('/backend/tokens?limit=251'), { headers: { authToken: token } })).status).toBe(413);
    expect((await request(b2b('/backend/tokens?limit=0'), { headers: { authToken: token } })).status).toBe(400);
    expect((await request(b2b('/backend/tokens?offset=-1'), { headers: { authToken: token } })).status).toBe(400);
  });
});

describe('DELETE /auth/backend', () => {
  it('deletes a token by the id in the body', async () => {
    const caller = await adminToken();
    const victim = sandbox().bigcommerce.api.b2b.addToken({
      storeHash: 'b2bstore1',
      email: 'x@example.com',
      name: 'to-delete',
    });
    const res = await request(b2b('/auth/backend'), {
      method: 'DELETE',
      headers: { authToken: caller },
      json: { id: victim.id },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: 200, data: [], meta: { message: 'SUCCESS' } });
    expect(sandbox().bigcommerce.api.b2b.isLive(victim.token)).toBe(false);
    expect((await request(b2b('/backend/tokens'), { headers: { authToken: victim.token } })).status).toBe(401);
  });

  it('answers 404 for an unknown id and for another store’s token', async () => {
    const caller = await adminToken();
    const foreign = sandbox().bigcommerce.api.b2b.addToken({
      storeHash: 'b2bstore2',
      email: 'x@example.com',
      name: 'theirs',
    });
    for (const id of [999_999, foreign.id]) {
      const res = await request(b2b('/auth/backend'), {
        method: 'DELETE',
        headers: { authToken: caller },
        json: { id },
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        code: 404,
        data: { errMsg: 'No matching token was found.' },
        meta: { message: 'Not Found Error' },
      });
    }
    expect(sandbox().bigcommerce.api.b2b.isLive(foreign.token)).toBe(true);
  });

  it('requires an integer id', async () => {
    const caller = await adminToken();
    expect(
      (await request(b2b('/auth/backend'), { method: 'DELETE', headers: { authToken: caller }, json: { id: '12' } }))
        .status,
    ).toBe(400);
  });
});
