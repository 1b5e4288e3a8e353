import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../support/aws-clients';
import { request, secondsFromNow, useSandbox } from '../support/sandbox';

const sandbox = useSandbox();

function mintUrl(): string {
  return `${sandbox().bigcommerce.apiUrl}/stores/${sandbox().store.storeHash}/v3/storefront/api-token-private`;
}

function mint(init: RequestInit = {}) {
  return request(mintUrl(), {
    method: 'POST',
    headers: { 'x-auth-token': sandbox().store.accessToken },
    json: { channel_id: 1, scopes: ['Customer'], expires_at: secondsFromNow(sandbox(), 600) },
    ...init,
  });
}

afterEach(() => {
  sandbox().bigcommerce.server.faults.clear();
  sandbox().aws.server.faults.clear();
  sandbox().bigcommerce.server.setLatency(0);
});

describe('BigCommerce faults', () => {
  it('fails the next N matching requests with the API’s error body, then recovers', async () => {
    sandbox().bigcommerce.server.injectFault({
      match: { method: 'POST', path: /api-token-private$/ },
      fault: { kind: 'status', status: 500 },
      times: 2,
    });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await mint()).status);
    expect(statuses).toEqual([500, 500, 200]);
    expect(sandbox().bigcommerce.server.faults.pending()).toBe(0);
  });

  it('leaves requests that do not match alone', async () => {
    const rule = sandbox().bigcommerce.server.injectFault({
      match: { method: 'DELETE' },
      fault: { kind: 'status', status: 503 },
    });
    expect((await mint()).status).toBe(200);
    expect(sandbox().bigcommerce.server.faults.pending()).toBe(1);
    expect(rule.fired).toBe(0);
  });

  it('counts how often each rule fired, after it is used up or cleared too, and lists them over HTTP', async () => {
    const server = sandbox().bigcommerce.server;
    const skipped = server.injectFault({
      match: { path: /api-token-private$/ },
      fault: { kind: 'status', status: 500 },
      skip: 1,
      times: 2,
    });
    const never = server.injectFault({ match: { operation: 'DescribeSecret' }, fault: { kind: 'hang' } });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await mint()).status);
    expect(statuses).toEqual([200, 500, 500, 200]);
    expect([skipped.fired, never.fired]).toEqual([2, 0]);
    const listed = await request(`${sandbox().bigcommerce.apiUrl}/__sandbox/faults`);
    expect(listed.body.faults).toEqual([
      {
        match: { path: 'api-token-private$' },
        fault: { kind: 'status', status: 500 },
        phase: 'before',
        fired: 2,
        remaining: 0,
      },
      { match: { operation: 'DescribeSecret' }, fault: { kind: 'hang' }, phase: 'before', fired: 0, remaining: 1 },
    ]);
    server.faults.clear();
    expect(skipped.fired).toBe(2);
    expect((await request(`${sandbox().bigcommerce.apiUrl}/__sandbox/faults`)).body.faults).toEqual([]);
  });

  it('answers an injected rate limit with 429 and the reset header', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'rate-limit' } });
    const res = await mint();
    expect(res.status).toBe(429);
    expect(res.headers.get('x-rate-limit-time-reset-ms')).toBe('1000');
  });

  it('speaks the B2B envelope for B2B faults', async () => {
    sandbox().bigcommerce.server.injectFault({ match: { path: '^/b2b/' }, fault: { kind: 'status', status: 502 } });
    const res = await request(`${sandbox().bigcommerce.b2bApiUrl}/backend/tokens`);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ code: 502, data: { errMsg: 'Bad Gateway' }, meta: { message: 'Bad Gateway' } });
  });

  it('hangs until the client gives up', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'hang' } });
    await expect(mint({ signal: AbortSignal.timeout(150) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await mint()).status).toBe(200);
  });

  it('sends malformed JSON, or drops the connection', async () => {
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'malformed-json' } });
    const malformed = await mint();
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();

    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'drop' } });
    await expect(mint()).rejects.toThrow(/fetch failed/);
  });

  it('answers with a status and body of the test’s choosing', async () => {
    const body = { code: 400, data: { errMsg: 'role forbidden' }, meta: { message: 'API logic error' } };
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'answer', status: 200, body } });
    const res = await mint();
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await mint()).body).toMatchObject({ data: { token: expect.any(String) } });
  });

  it('in the after phase, lets the request take effect and loses the answer', async () => {
    const before = sandbox().bigcommerce.api.storefrontTokens.issued().length;
    sandbox().bigcommerce.server.injectFault({ fault: { kind: 'status', status: 500 }, phase: 'after' });
    expect((await mint()).status).toBe(500);
    expect(sandbox().bigcommerce.api.storefrontTokens.issued()).toHaveLength(before + 1);
  });

  it('adds latency before handling, which a client timeout can observe', async () => {
    sandbox().bigcommerce.server.setLatency(400);
    await expect(mint({ signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    sandbox().bigcommerce.server.setLatency(0);
    expect((await mint({ signal: AbortSignal.timeout(2000) })).status).toBe(200);
  });

  it('refuses malformed fault rules', () => {
    const server = sandbox().bigcommerce.server;
    expect(() => server.injectFault({ fault: { kind: 'explode' } as never })).toThrow(/unknown fault kind/);
    expect(() => server.injectFault({ fault: { kind: 'status', status: 200 } })).toThrow(/400-599/);
    expect(() => server.injectFault({ fault: { kind: 'hang' }, times: 0 })).toThrow(/positive integer/);
    expect(() => server.injectFault({ fault: { kind: 'answer', status: 99, body: {} } })).toThrow(/200-599/);
    expect(() => server.setLatency(-1)).toThrow(RangeError);
  });
});

describe('AWS faults', () => {
  let sm: SecretsManagerClient;
  beforeAll(async () => {
    sm = secretsManagerClient(sandbox(), 1);
    await sm.send(new CreateSecretCommand({ Name: 'faulty', SecretString: 'v' }));
  });

  it('throttles with ThrottlingException and fails with InternalServiceError', async () => {
    sandbox().aws.server.injectFault({ match: { operation: 'GetSecretValue' }, fault: { kind: 'rate-limit' } });
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    sandbox().aws.server.injectFault({
      match: { operation: 'GetSecretValue' },
      fault: { kind: 'status', status: 500 },
    });
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).rejects.toMatchObject({
      name: 'InternalServiceError',
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('is retried away by the SDK’s own retry strategy', async () => {
    const retrying = secretsManagerClient(sandbox(), 3);
    sandbox().aws.server.injectFault({ match: { operation: 'GetSecretValue' }, fault: { kind: 'rate-limit' } });
    const out = await retrying.send(new GetSecretValueCommand({ SecretId: 'faulty' }));
    expect(out.$metadata.attempts).toBe(2);
  });

  it('matches on the operation only', async () => {
    sandbox().aws.server.injectFault({
      match: { operation: 'PutSecretValue' },
      fault: { kind: 'status', status: 500 },
    });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).SecretString).toBe('v');
    await expect(sm.send(new PutSecretValueCommand({ SecretId: 'faulty', SecretString: 'w' }))).rejects.toMatchObject({
      name: 'InternalServiceError',
    });
    expect(sandbox().aws.api.secretsManager.valueAt('faulty')).toBe('v');
  });

  it('hangs past the client timeout and sends malformed JSON', async () => {
    const impatient = new SecretsManagerClient({
      endpoint: sandbox().aws.endpointUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 150, throwOnRequestTimeout: true },
    });
    sandbox().aws.server.injectFault({ fault: { kind: 'hang' } });
    await expect(impatient.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    sandbox().aws.server.injectFault({ fault: { kind: 'malformed-json' } });
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'faulty' }))).rejects.toThrow();
  });
});

describe('control routes over HTTP', () => {
  it('injects faults, moves the clock and shows the request log', async () => {
    const base = sandbox().bigcommerce.apiUrl;
    const injected = await request(`${base}/__sandbox/faults`, {
      method: 'POST',
      json: { match: { path: 'api-token-private$' }, fault: { kind: 'status', status: 503 } },
    });
    expect(injected.status).toBe(201);
    expect((await mint()).status).toBe(503);

    const before = Date.parse((await request(`${base}/__sandbox/clock`)).body.now);
    const moved = await request(`${base}/__sandbox/clock`, { method: 'POST', json: { advanceMs: 3_600_000 } });
    expect(Date.parse(moved.body.now) - before).toBeGreaterThanOrEqual(3_600_000);
    sandbox().clock.set(Date.now());

    await request(`${base}/__sandbox/requests`, { method: 'DELETE' });
    await mint();
    const log = (await request(`${base}/__sandbox/requests`)).body.requests;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: new URL(mintUrl()).pathname,
      status: 200,
      body: { channel_id: 1 },
    });

    expect(
      (await request(`${base}/__sandbox/faults`, { method: 'POST', json: { fault: { kind: 'nope' } } })).status,
    ).toBe(400);
    expect((await request(`${base}/__sandbox/unknown`)).status).toBe(404);
  });

  it('lists issued tokens and, on the AWS server, secrets and events', async () => {
    const minted = await mint();
    const tokens = (await request(`${sandbox().bigcommerce.apiUrl}/__sandbox/tokens`)).body;
    expect(tokens.storefront.map((t: { token: string }) => t.token)).toContain(minted.body.data.token);
    expect(tokens.b2b.length).toBeGreaterThanOrEqual(2);
    const secrets = (await request(`${sandbox().aws.endpointUrl}/__sandbox/secrets`)).body.secrets;
    expect(secrets.map((s: { name: string }) => s.name)).toContain('faulty');
    expect((await request(`${sandbox().aws.endpointUrl}/__sandbox/events`)).body).toEqual({ events: [] });
  });
});
