import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BigCommerceApiError, BigCommerceUnavailableError } from '../../functions/bigcommerce/errors';
import { BigCommerceHttp, type HttpRequest } from '../../functions/bigcommerce/http';
import { useSandbox } from '../support/sandbox';

const sandbox = useSandbox();

function mintRequest(): HttpRequest {
  const s = sandbox();
  return {
    method: 'POST',
    url: `${s.bigcommerce.apiUrl}/stores/${s.store.storeHash}/v3/payments/stored-instruments/access-tokens`,
    endpoint: 'POST /v3/payments/stored-instruments/access-tokens',
    headers: { 'x-auth-token': s.store.accessToken },
    rateLimit: { family: 'core', key: s.store.storeHash },
  };
}

function client(overrides: ConstructorParameters<typeof BigCommerceHttp>[0] = {}) {
  const sleeps: number[] = [];
  const http = new BigCommerceHttp({
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    retry: { timeoutMs: 300 },
    ...overrides,
  });
  return { http, sleeps };
}

afterEach(() => sandbox().bigcommerce.server.faults.clear());

describe('BigCommerceHttp', () => {
  it('retries 5xx, dropped connections and malformed bodies with jittered backoff', async () => {
    const server = sandbox().bigcommerce.server;
    server.injectFault({ fault: { kind: 'status', status: 503 } });
    server.injectFault({ fault: { kind: 'drop' } });
    server.injectFault({ fault: { kind: 'malformed-json' } });
    const { http, sleeps } = client();
    const response = await http.send(mintRequest());
    expect(response.status).toBe(201);
    expect(sleeps).toEqual([125, 250, 500]);
  });

  it('waits out a 429 for the advertised reset', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'rate-limit' } });
    const { http, sleeps } = client();
    expect((await http.send(mintRequest())).status).toBe(201);
    expect(sleeps).toEqual([1000]);
  });

  it('does not retry other 4xx, and reports status, endpoint and title without the credential', async () => {
    const server = sandbox().bigcommerce.server;
    server.clearRequests();
    const { http } = client();
    const error = await http
      .send({ ...mintRequest(), headers: { 'x-auth-token': sandbox().store.limitedAccessToken } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BigCommerceApiError);
    expect((error as BigCommerceApiError).message).toBe(
      // The sandbox's title is not one of BigCommerce's known titles, so it is not repeated.
      'BigCommerce POST /v3/payments/stored-instruments/access-tokens answered 403',
    );
    expect((error as Error).message).not.toContain(sandbox().store.limitedAccessToken);
    expect(server.requests()).toHaveLength(1);
  });

  it('gives up after the last attempt with the last problem', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'status', status: 500 }, times: 2 });
    const { http } = client({ retry: { maxAttempts: 2 } });
    await expect(http.send(mintRequest())).rejects.toThrow(/answered 500 \(Internal Server Error\)/);
  });

  it('times out a hung request and retries it', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'hang' } });
    const { http } = client({ sleep: async () => undefined });
    expect((await http.send(mintRequest())).status).toBe(201);
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'hang' }, times: 2 });
    const impatient = client({ sleep: async () => undefined, retry: { maxAttempts: 2, timeoutMs: 100 } }).http;
    await expect(impatient.send(mintRequest())).rejects.toThrow(BigCommerceUnavailableError);
  });

  it('stops retrying when waiting would pass the deadline', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'rate-limit' } });
    const { http, sleeps } = client({ remainingMs: () => 500 });
    await expect(http.send(mintRequest())).rejects.toThrow(/no time left to retry before the deadline/);
    expect(sleeps).toEqual([]);
  });

  it('pauses before the next call when the quota is spent', async () => {
    const { http, sleeps } = new (class {
      sleeps: number[] = [];
      http = new BigCommerceHttp({
        sleep: async (ms) => void this.sleeps.push(ms),
        retry: { maxRateLimitWaitMs: 60_000 },
      });
    })();
    const s = sandbox();
    s.bigcommerce.api.coreLimiter.setPolicy({ quota: 1, windowMs: 20_000 });
    try {
      await http.send(mintRequest());
      s.bigcommerce.api.coreLimiter.setPolicy({ quota: 150, windowMs: 30_000 });
      await http.send(mintRequest());
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThan(19_000);
    } finally {
      s.bigcommerce.api.coreLimiter.setPolicy({ quota: 150, windowMs: 30_000 });
    }
  });

  it('honours B2B Edition quota headers: pauses when X-Requests-Remaining reaches 0, waits out a 429', async () => {
    const s = sandbox();
    const sleeps: number[] = [];
    const http = new BigCommerceHttp({
      sleep: async (ms) => void sleeps.push(ms),
      retry: { maxRateLimitWaitMs: 120_000 },
    });
    const list = (): HttpRequest => ({
      method: 'POST',
      url: `${s.bigcommerce.b2bApiUrl}/auth/backend`,
      endpoint: 'POST /auth/backend',
      body: { storeHash: s.store.storeHash, ...s.store.b2bAdmin, name: 'quota' },
      rateLimit: { family: 'b2b', key: s.store.storeHash },
    });
    s.bigcommerce.api.b2b.limiter.setPolicy({ quota: 1, windowMs: 60_000 });
    try {
      await http.send(list());
      s.bigcommerce.api.b2b.limiter.setPolicy({ quota: 150, windowMs: 60_000 });
      await http.send(list());
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThan(58_000);

      sleeps.length = 0;
      s.bigcommerce.server.injectFault({ fault: { kind: 'rate-limit' }, match: { path: '^/b2b/' } });
      await http.send(list());
      expect(sleeps).toEqual([1000]);
    } finally {
      s.bigcommerce.api.b2b.limiter.setPolicy({ quota: 150, windowMs: 60_000 });
    }
  });

  it('refuses plain http to a non-loopback host before sending anything', async () => {
    const { http } = client();
    await expect(http.send({ ...mintRequest(), url: 'http://api.example.com/stores/x' })).rejects.toThrow(
      /must use https/,
    );
  });

  it('never follows a redirect, so credentials never reach another host', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const elsewhere = http.createServer((req, res) => {
      seen.push(req.headers);
      res.end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`;
    const redirecting = http.createServer((_req, res) => {
      res.writeHead(307, { location: target });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const { http: client307 } = client();
      const url = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/stores/x/v3/thing`;
      const error = (await client307.send({ ...mintRequest(), url }).catch((e: unknown) => e)) as BigCommerceApiError;
      expect(error.message).toMatch(/answered 307$/);
      expect(error.hint).toMatch(/never followed: credentials are only sent to the configured endpoint/);
      expect(seen).toHaveLength(0);
    } finally {
      redirecting.close();
      elsewhere.close();
    }
  });
});
