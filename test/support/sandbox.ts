import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox';
import { auditSecrets, auditText } from './audit';
import { type AwsBackend, awsBackendName, motoBackend, sandboxBackend } from './aws-backend';
import { MOTO_STARTUP_TIMEOUT_MS, acquireMoto } from './moto';

/** Every credential and token a sandbox issued: what must never appear in anything the product wrote. */
export function issuedSecrets(sandbox: Sandbox): string[] {
  const bigcommerce = sandbox.bigcommerce.api;
  return [
    ...bigcommerce.seeded.flatMap((s) => [s.accessToken, s.limitedAccessToken, s.b2bAdmin.password]),
    ...bigcommerce.storefrontTokens.issued().map((t) => t.token),
    ...bigcommerce.storedInstrumentTokens.issued().flatMap((t) => [t.accessToken, t.accessToken.slice('IAT '.length)]),
    ...bigcommerce.b2b.allTokens().map((t) => t.token),
  ];
}

/**
 * Starts a fresh sandbox for the test file (beforeAll) and stops it afterwards; the getter fails loudly
 * when used outside a test.
 */
export function useSandbox(options: SandboxOptions = {}): () => Sandbox {
  const get = useSandboxWithAws(options);
  return () => get().sandbox;
}

/**
 * A sandbox and the AWS backend holding its AWS state, chosen by ROTATOR_TEST_AWS: the sandbox's own, or
 * moto behind the sandbox's AWS endpoint (which then relays, keeping its faults, latency and request log).
 */
export function useSandboxWithAws(options: SandboxOptions = {}): () => { sandbox: Sandbox; aws: AwsBackend } {
  let started: { sandbox: Sandbox; aws: AwsBackend } | undefined;
  let releaseMoto: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (awsBackendName() === 'sandbox') {
      const sandbox = await startSandbox(options);
      started = { sandbox, aws: sandboxBackend(sandbox) };
      return;
    }
    const { moto, release } = await acquireMoto();
    releaseMoto = release;
    const sandbox = await startSandbox({ ...options, aws: { ...options.aws, upstream: moto.url } });
    started = { sandbox, aws: motoBackend(moto.url, sandbox) };
  }, MOTO_STARTUP_TIMEOUT_MS);
  afterAll(async () => {
    if (started) {
      auditSecrets(issuedSecrets(started.sandbox));
      auditText('events', JSON.stringify(started.sandbox.aws.api.events()));
      started.aws.close();
      await started.sandbox.close();
    }
    await releaseMoto?.();
  });
  return () => {
    if (!started) throw new Error('sandbox not started: call inside a test');
    return started;
  };
}

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** fetch + JSON body (or the raw text when it is not JSON). */
export async function request<T = any>(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const { json, headers, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    headers: {
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      accept: 'application/json',
      ...(headers as Record<string, string>),
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // keep the text: some tests expect malformed bodies
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Whether BigCommerce accepts `token` for the cheapest GraphQL Storefront read on a store's channel. */
export async function graphqlWorks(
  sandbox: Sandbox,
  storeHash: string,
  token: string,
  channelId = 1,
): Promise<boolean> {
  const url = sandbox.bigcommerce.graphqlUrlTemplate
    .replace('{storeHash}', storeHash)
    .replace('{channelId}', String(channelId));
  const response = await request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    json: { query: '{ site { settings { storeName } } }' },
  });
  return response.status === 200;
}

/** Unix seconds `offset` seconds from the sandbox clock's now. */
export function secondsFromNow(sandbox: Sandbox, offset: number): number {
  return sandbox.clock.nowSeconds() + offset;
}

export function decodeJwt(token: string): Record<string, any> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}
