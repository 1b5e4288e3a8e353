import type { RecordedRequest } from '../../sandbox';
import { PRIVATE_TOKEN, privateFleetConfig, storeNames } from '../../sandbox/fleet-config';
import { useRotator } from '../support/rotator';

/**
 * What a run costs, counted at the sandbox: AWS calls (Secrets Manager's write quota is 50 per second per
 * account, not adjustable) and BigCommerce calls (each store's quota is shared with its other apps).
 */
const STORES = 125;
const PER_STORE = 4;

function operations(requests: RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) counts[r.operation ?? r.path] = (counts[r.operation ?? r.path] ?? 0) + 1;
  return counts;
}

describe(`an idle sweep of ${STORES * PER_STORE} tokens`, () => {
  const rotator = useRotator(privateFleetConfig(storeNames('fleet', STORES), PER_STORE), { workQueue: {} });

  it('reads every secret in bulk: at most 30 AWS calls, no BigCommerce call, nothing for the work queue', async () => {
    const h = rotator();
    const first = await h.invoke({});
    expect(first.summary.dispatched).toBe(STORES * PER_STORE);
    expect(await h.drain()).toMatchObject({ invocations: STORES, failures: 0 });
    h.sandbox.aws.server.clearRequests();
    h.sandbox.bigcommerce.server.clearRequests();

    const idle = await h.invoke({});
    expect(idle.summary.skipped).toBe(STORES * PER_STORE);
    const aws = h.sandbox.aws.server.requests();
    expect(operations(aws)).toEqual({ BatchGetSecretValue: Math.ceil((STORES * PER_STORE) / 20) });
    expect(aws.length).toBeLessThanOrEqual(30);
    expect(h.sandbox.bigcommerce.server.requests()).toHaveLength(0);
    // It first rotates all 500 tokens through the work queue: 10 to 20 s alone on a two-core machine, more
    // beside the rest of the suite. The bound is for a hung run, not a slow one.
  }, 120_000);
});

describe('one due storefront-private token', () => {
  const rotator = useRotator({
    stores: [{ storeHash: 'budget1', credentialsSecret: 'bigcommerce/budget1/api-account' }],
    tokens: [
      {
        id: 'headless',
        store: 'budget1',
        ...PRIVATE_TOKEN,
      },
    ],
  });

  it('costs 2 BigCommerce calls and at most 5 AWS calls, root credentials aside', async () => {
    const h = rotator();
    await h.invoke({});
    const current = (await h.secret('headless'))!;
    h.sandbox.clock.set(Date.parse(current.expiresAt) - 24 * 3_600_000);
    h.sandbox.aws.server.clearRequests();
    h.sandbox.bigcommerce.server.clearRequests();

    const report = await h.invoke({});
    expect(report.results[0]?.outcome).toBe('rotated');
    const credentials = 'bigcommerce/budget1/api-account';
    const aws = h.sandbox.aws.server.requests((r) => (r.body as { SecretId?: string }).SecretId !== credentials);
    expect(operations(aws)).toEqual({
      BatchGetSecretValue: 1,
      PutSecretValue: 2, // the claim, then the token
      UpdateSecretVersionStage: 1, // the promotion
      PutEvents: 1,
    });
    const bigcommerce = h.sandbox.bigcommerce.server.requests();
    // The mint, then the verification.
    expect(bigcommerce.map((r) => `${r.method} ${r.path.split('/').at(-1)}`)).toEqual([
      'POST api-token-private',
      'POST graphql',
    ]);
  });
});

describe('one due B2B backend token, past its grace period since the last cleanup', () => {
  const rotator = useRotator({
    stores: [{ storeHash: 'budget2', b2bCredentialsSecret: 'bigcommerce/budget2/b2b-user' }],
    tokens: [{ id: 'erp', store: 'budget2', family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1d' }],
  });

  it('lists the store tokens once and reads the secret only in bulk: 2 BigCommerce calls, 5 AWS calls', async () => {
    const h = rotator();
    await h.invoke({}, 'b2b');
    h.sandbox.clock.advance(8 * 24 * 3_600_000);
    h.sandbox.aws.server.clearRequests();
    h.sandbox.bigcommerce.server.clearRequests();

    const report = await h.invoke({}, 'b2b');
    expect(report.results[0]?.outcome).toBe('rotated');
    const credentials = 'bigcommerce/budget2/b2b-user';
    const aws = h.sandbox.aws.server.requests((r) => (r.body as { SecretId?: string }).SecretId !== credentials);
    expect(operations(aws)).toEqual({
      BatchGetSecretValue: 1,
      PutSecretValue: 2,
      UpdateSecretVersionStage: 1,
      PutEvents: 1,
    });
    const bigcommerce = h.sandbox.bigcommerce.server.requests();
    // The mint (the backend login returns the token), then one list that serves verification and cleanup.
    expect(bigcommerce.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /b2b/api/io/auth/backend',
      'GET /b2b/api/io/backend/tokens',
    ]);
  });
});
