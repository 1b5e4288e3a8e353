import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RotatorKind } from '../../functions/config/types';
import type { RunReport } from '../../functions/rotation/run';
import { createRotatorHandler } from '../../functions/rotator/handler';
import { localLambdaContext } from '../../sandbox/lambda-context';
import { auditText } from '../support/audit';
import { STORE, STORE_WITH_B2B, useRotator } from '../support/rotator';

/**
 * The two promises the product is built on, held against AWS's first-version rule and against concurrent
 * runs: never an unverified current token, and no live token this product minted that nothing holds.
 */
const stores = [STORE_WITH_B2B];
const rotator = useRotator({
  stores,
  tokens: [
    { id: 'private', store: STORE, ...PRIVATE_TOKEN },
    {
      id: 'browser',
      store: STORE,
      family: 'storefront',
      channelId: 1,
      allowedCorsOrigins: ['https://shop.example.com'],
      lifetime: '30d',
      renewBefore: '7d',
      revokeSuperseded: { gracePeriod: '1h' },
    },
    { id: 'erp', store: STORE, family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
  ],
});

/** A handler for another configuration, against the same sandbox (a second deployment, say). */
function handlerFor(rawConfig: Record<string, unknown>, kind: RotatorKind = 'storefront') {
  const handler = createRotatorHandler(kind, {
    clock: rotator().sandbox.clock,
    env: { ...process.env, ROTATOR_CONFIG: JSON.stringify(rawConfig) },
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxRateLimitWaitMs: 200 },
  });
  return async (event: unknown): Promise<RunReport> => {
    const report = (await handler(event, localLambdaContext(`${kind}-rotator`))) as RunReport;
    auditText('response', JSON.stringify(report));
    return report;
  };
}

function secretsManager(): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: rotator().sandbox.aws.endpointUrl,
    region: rotator().sandbox.aws.region,
  });
}

async function currentValue(secretName: string): Promise<Record<string, unknown>> {
  // The stage is AWS's default, named because moto (the conformance run) answers a GetSecretValue without
  // one with the version PutSecretValue last made current, ignoring UpdateSecretVersionStage's moves.
  const out = await secretsManager().send(
    new GetSecretValueCommand({ SecretId: secretName, VersionStage: 'AWSCURRENT' }),
  );
  return JSON.parse(out.SecretString ?? 'null');
}

describe('the first rotation of a secret created without a value', () => {
  it('never makes an unverified token current: the placeholder stays until a verified token replaces it', async () => {
    const h = rotator();
    const secretName = `bigcommerce/${STORE}/created-without-value`;
    await secretsManager().send(new CreateSecretCommand({ Name: secretName }));
    const run = handlerFor({ stores, tokens: [{ id: 'late', store: STORE, ...PRIVATE_TOKEN, secretName }] });
    const eventsBefore = (await h.events()).length;
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: '/storefront/store-' },
      fault: { kind: 'status', status: 401 },
    });

    const failed = await run({});
    expect(failed.results[0]).toMatchObject({ outcome: 'failed', step: 'verify' });
    expect(await currentValue(secretName)).toMatchObject({ token: null, status: 'awaiting-first-rotation' });
    const failure = (await h.events()).slice(eventsBefore).find((e) => e.detailType === 'Token Rotation Failed');
    expect(failure?.detail).toMatchObject({ step: 'verify', currentVersionId: null });

    // The next run does not mistake the staged token for a verified current one: it verifies it, then promotes.
    const next = await run({});
    expect(next.results[0]).toMatchObject({ outcome: 'rotated', resumed: true });
    expect((await currentValue(secretName)).token).toEqual(expect.any(String));
  });
});

describe('a missing root-credential secret', () => {
  it('fails at step credentials, naming the secret and what to do, and changes nothing', async () => {
    const h = rotator();
    const missing = `bigcommerce/${STORE}/never-created`;
    const secretName = h.config.tokens[0]!.secretName;
    const before = await h.secret('private');
    const run = handlerFor({
      stores: [{ storeHash: STORE, credentialsSecret: missing }],
      tokens: [{ id: 'private', store: STORE, ...PRIVATE_TOKEN }],
    });
    const report = await run({ force: true });
    expect(report.results[0]).toMatchObject({
      outcome: 'failed',
      step: 'credentials',
      error: { step: 'credentials', code: 'CredentialsError', secretName: missing },
    });
    expect(report.results[0]?.reason).toContain(missing);
    expect(report.results[0]?.error?.hint).toMatch(/create the secret/);
    expect(await h.secret('private')).toEqual(before);
    expect(secretName).toBe(`bigcommerce/${STORE}/private`);
  });
});

describe('concurrent forced runs of one token', () => {
  const RUNS = 6;

  beforeAll(async () => {
    await rotator().invoke({});
    await rotator().invoke({}, 'b2b');
  });

  /** Every live token of the token's kind at BigCommerce (the sandbox): what could be orphaned. */
  function liveTokens(tokenId: string): Set<string> {
    const api = rotator().sandbox.bigcommerce.api;
    const now = rotator().sandbox.clock.nowMs();
    if (tokenId === 'erp') {
      return new Set(
        api.b2b
          .allTokens()
          .filter((t) => t.name.startsWith(`bctr/${rotator().owner}/${tokenId}/`) && api.b2b.isLive(t.token))
          .map((t) => t.token),
      );
    }
    const kind = tokenId === 'browser' ? 'storefront' : 'private';
    return new Set(
      api.storefrontTokens
        .issued()
        .filter((t) => t.kind === kind && !t.revokedAt && t.expiresAt.getTime() > now)
        .map((t) => t.token),
    );
  }

  async function keptBy(tokenId: string): Promise<string[]> {
    const values = await Promise.all(['AWSCURRENT', 'AWSPREVIOUS'].map((stage) => rotator().secret(tokenId, stage)));
    return values.map((value) => value?.token).filter((token): token is string => typeof token === 'string');
  }

  it.each([
    ['private', 'storefront'],
    ['browser', 'storefront'],
    ['erp', 'b2b'],
  ] as const)('%s: six runs leave no live token that is neither current nor previous', async (tokenId, kind) => {
    const h = rotator();
    const keptBefore = await keptBy(tokenId);
    const liveBefore = liveTokens(tokenId);
    const reports = await Promise.all(
      Array.from({ length: RUNS }, () => h.newInstance(kind)({ targets: [tokenId], force: true })),
    );
    const outcomes = reports.map((r) => r.results[0]?.outcome);
    expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(RUNS - 1);
    for (const report of reports.filter((r) => r.results[0]?.outcome === 'skipped')) {
      expect(report.results[0]?.reason).toMatch(/^in progress elsewhere/);
    }
    // Tokens this token's runs minted, or that its secret held before: none may be live and unheld now.
    const kept = await keptBy(tokenId);
    const ours = [...liveTokens(tokenId)].filter((t) => !liveBefore.has(t) || keptBefore.includes(t));
    expect(ours.filter((token) => !kept.includes(token))).toEqual([]);
    expect(ours.length).toBeGreaterThanOrEqual(2);
  });
});
