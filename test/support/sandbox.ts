import { type Sandbox, type SandboxOptions, startSandbox } from '../../sandbox';
import { auditSecrets, auditText } from './audit';

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
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(options);
  });
  afterAll(async () => {
    if (sandbox) {
      auditSecrets(issuedSecrets(sandbox));
      auditText('events', JSON.stringify(sandbox.aws.api.eventBridge.events()));
    }
    await sandbox?.close();
  });
  return () => {
    if (!sandbox) throw new Error('sandbox not started: call inside a test');
    return sandbox;
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

/** Unix seconds `offset` seconds from the sandbox clock's now. */
export function secondsFromNow(sandbox: Sandbox, offset: number): number {
  return sandbox.clock.nowSeconds() + offset;
}

export function decodeJwt(token: string): Record<string, any> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}
