import { request, secondsFromNow, useSandbox } from '../support/sandbox';

const sandbox = useSandbox({
  bigcommerce: { rateLimit: { quota: 3, windowMs: 30_000 }, b2bRateLimit: { quota: 2, windowMs: 60_000 } },
});

describe('core API rate limits', () => {
  it('sends X-Rate-Limit headers and 429 once the per-store quota is spent, until the window resets', async () => {
    const s = sandbox();
    const mint = () =>
      request(`${s.bigcommerce.apiUrl}/stores/${s.store.storeHash}/v3/storefront/api-token-private`, {
        method: 'POST',
        headers: { 'x-auth-token': s.store.accessToken },
        json: { channel_id: 1, scopes: ['Customer'], expires_at: secondsFromNow(s, 600) },
      });
    s.clock.freeze();
    try {
      const lefts: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const res = await mint();
        expect(res.status).toBe(200);
        expect(res.headers.get('x-rate-limit-requests-quota')).toBe('3');
        expect(res.headers.get('x-rate-limit-time-window-ms')).toBe('30000');
        lefts.push(res.headers.get('x-rate-limit-requests-left') as string);
      }
      expect(lefts).toEqual(['2', '1', '0']);
      const limited = await mint();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-rate-limit-requests-left')).toBe('0');
      expect(Number(limited.headers.get('x-rate-limit-time-reset-ms'))).toBe(30_000);

      s.clock.advance(30_000);
      expect((await mint()).status).toBe(200);
    } finally {
      s.clock.resume();
    }
  });
});

describe('B2B Edition rate limits', () => {
  it('sends X-Requests-Allocated / -Remaining / X-Request-Window-Resets-After and 429 when spent', async () => {
    const s = sandbox();
    const create = () =>
      request(`${s.bigcommerce.b2bApiUrl}/auth/backend`, {
        method: 'POST',
        json: { storeHash: s.store.storeHash, ...s.store.b2bAdmin, name: 'rl' },
      });
    s.clock.freeze();
    try {
      const first = await create();
      expect(first.status).toBe(200);
      expect(first.headers.get('x-requests-allocated')).toBe('2');
      expect(first.headers.get('x-requests-remaining')).toBe('1');
      expect(first.headers.get('x-request-window-resets-after')).toBe('60s');
      expect((await create()).status).toBe(200);
      const limited = await create();
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 429, data: { errMsg: expect.any(String) } });
      expect(limited.headers.get('x-requests-remaining')).toBe('0');
      s.clock.advance(45_000);
      expect((await create()).headers.get('x-request-window-resets-after')).toBe('15s');
      s.clock.advance(15_000);
      expect((await create()).status).toBe(200);
    } finally {
      s.clock.resume();
    }
  });
});
