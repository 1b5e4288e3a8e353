import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STAGES } from '../../functions/rotation/secret-store';
import { ownershipName } from '../../functions/families/b2b-ownership';
import { claimValue } from '../../functions/rotation/claim';
import { STORE, capturedOutput, useRotator } from '../support/rotator';

const rotator = useRotator({
  stores: [{ storeHash: STORE, b2bCredentialsSecret: `bigcommerce/${STORE}/b2b-backend-user` }],
  tokens: [
    { id: 'erp-sync', store: STORE, family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
    { id: 'pim-sync', store: STORE, family: 'b2b-backend', rotationPeriod: '30d', gracePeriod: '1d' },
  ],
});
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const b2bApi = () => rotator().sandbox.bigcommerce.api.b2b;
const live = (token: string) => b2bApi().isLive(token);

function b2b(event: unknown = {}) {
  return rotator().invoke(event, 'b2b');
}

async function revokedEvents() {
  return (await rotator().events()).filter((e) => e.detailType === 'Stale Token Revoked');
}

/**
 * A token of ours that nothing holds: what a run that died after minting leaves at BigCommerce, with its
 * claim, no longer on AWSCURRENT, in the secret (its lease long over). A run then looks for such tokens.
 */
async function orphanOfADeadRun(email: string, ageMs = 2 * HOUR) {
  const h = rotator();
  const mintedAt = new Date(h.sandbox.clock.nowMs() - ageMs);
  const orphan = b2bApi().addToken({ storeHash: STORE, email, name: ownershipName(h.owner, 'erp-sync', mintedAt) });
  const target = h.config.tokens.find((t) => t.id === 'erp-sync')!;
  const current = [...(await h.stages('erp-sync'))].find(([, stages]) => stages.includes(STAGES.current))![0];
  const client = new SecretsManagerClient({ endpoint: h.sandbox.aws.endpointUrl, region: h.sandbox.aws.region });
  await client.send(
    new PutSecretValueCommand({
      SecretId: target.secretName,
      ClientRequestToken: randomUUID(),
      VersionStages: [STAGES.claim],
      SecretString: claimValue(target, {
        claimedAt: mintedAt.toISOString(),
        leaseUntil: new Date(mintedAt.getTime() + 5 * 60_000).toISOString(),
        basedOnVersionId: current,
        runId: randomUUID(),
      }),
    }),
  );
  return orphan;
}

function deletes() {
  return rotator().sandbox.bigcommerce.server.requests(
    (r) => r.method === 'DELETE' && r.path.endsWith('/auth/backend'),
  );
}

afterEach(() => {
  rotator().sandbox.bigcommerce.server.faults.clear();
  rotator().sandbox.aws.server.faults.clear();
});

describe('B2B Edition backend tokens', () => {
  let foreign: string[];

  beforeAll(() => {
    const email = rotator().sandbox.store.b2bAdmin.email;
    // Other people's tokens, some with the same email, one with another managed token's mark.
    foreign = [
      ...b2bApi()
        .allTokens()
        .map((t) => t.token),
      b2bApi().addToken({ storeHash: STORE, email, name: 'nightly export', eventChannel: 'api' }).token,
      b2bApi().addToken({ storeHash: STORE, email, name: 'bctr-lookalike/erp-sync', eventChannel: 'app' }).token,
      b2bApi().addToken({
        storeHash: STORE,
        email: 'someone@else.example',
        name: ownershipName(rotator().owner, 'another-token', new Date(0)),
      }).token,
    ];
  });

  it('mints a token whose name marks it as ours, proves it by listing itself, and stores name and id', async () => {
    const h = rotator();
    const report = await b2b();
    expect(report.results.map((r) => [r.tokenId, r.outcome])).toEqual([
      ['erp-sync', 'rotated'],
      ['pim-sync', 'rotated'],
    ]);
    const secret = (await h.secret('erp-sync'))!;
    expect(secret).toMatchObject({
      family: 'b2b-backend',
      expiresAt: null,
      usage: { header: 'authToken', valuePrefix: '' },
      name: expect.stringMatching(new RegExp(`^bctr/${h.owner}/erp-sync/\\d{12}$`)),
      id: expect.any(Number),
    });
    expect(secret.name.length).toBeLessThanOrEqual(64);
    const created = b2bApi()
      .allTokens()
      .find((t) => t.token === secret.token);
    expect(created).toMatchObject({ id: secret.id, name: secret.name, email: h.sandbox.store.b2bAdmin.email });
    // Both tokens are minted at once, so which mint comes last depends on AWS's latency: pick erp-sync's.
    const mint = h.sandbox.bigcommerce.server
      .requests(
        (r) =>
          r.method === 'POST' &&
          r.path.endsWith('/auth/backend') &&
          String((r.body as { name?: unknown }).name).startsWith(`bctr/${h.owner}/erp-sync/`),
      )
      .at(-1)!;
    expect(mint.body).toEqual({
      storeHash: STORE,
      email: h.sandbox.store.b2bAdmin.email,
      password: h.sandbox.store.b2bAdmin.password,
      name: secret.name,
    });
    const listedWithNew = h.sandbox.bigcommerce.server.requests(
      (r) => r.path.endsWith('/backend/tokens') && r.headers.authtoken === secret.token,
    );
    // Mint (the new token's id), verify and clean up share one list of the store's tokens (one page here).
    expect(listedWithNew).toHaveLength(1);
    expect(report.results[0]?.nextDueAt).toBe(new Date(Date.parse(secret.mintedAt) + 7 * DAY).toISOString());
  });

  it('skips until the rotation period has passed', async () => {
    const report = await b2b();
    expect(report.results.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
  });

  it('keeps current and previous, revokes older tokens it minted after the grace period, and nobody else’s', async () => {
    const h = rotator();
    const first = (await h.secret('erp-sync'))!;
    h.sandbox.clock.advance(7 * DAY);
    const second = await b2b({ targets: ['erp-sync'] });
    expect(second.results[0]?.outcome).toBe('rotated');
    expect(live(first.token)).toBe(true);
    expect((await h.secret('erp-sync', STAGES.previous))!.token).toBe(first.token);

    h.sandbox.clock.advance(7 * DAY);
    const before = (await revokedEvents()).length;
    const third = await b2b({ targets: ['erp-sync'] });
    expect(third.results[0]).toMatchObject({ outcome: 'rotated', revoked: [expect.stringContaining(first.name)] });
    expect(live(first.token)).toBe(false);
    expect(live((await h.secret('erp-sync'))!.token)).toBe(true);
    expect(live((await h.secret('erp-sync', STAGES.previous))!.token)).toBe(true);
    expect(live((await h.secret('pim-sync'))!.token)).toBe(true);
    for (const token of foreign) expect(live(token)).toBe(true);
    const events = (await revokedEvents()).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({
      tokenId: 'erp-sync',
      revoked: expect.stringContaining(`id ${first.id}`),
    });
    expect(JSON.stringify(events)).not.toContain(first.token);
  });

  it('pages through more than 250 tokens and finds its orphans on any page', async () => {
    const h = rotator();
    for (let i = 0; i < 300; i += 1)
      b2bApi().addToken({ storeHash: STORE, email: 'bulk@example.com', name: `bulk-${i}` });
    const orphan = await orphanOfADeadRun(h.sandbox.store.b2bAdmin.email);
    for (let i = 0; i < 10; i += 1)
      b2bApi().addToken({ storeHash: STORE, email: 'bulk@example.com', name: `late-${i}` });
    expect(b2bApi().allTokens().length).toBeGreaterThan(300);
    h.sandbox.bigcommerce.server.clearRequests();
    const report = await b2b({ targets: ['erp-sync'] });
    expect(report.results[0]).toMatchObject({
      outcome: 'revoked',
      revoked: [expect.stringContaining(`id ${orphan.id}`)],
    });
    expect(live(orphan.token)).toBe(false);
    const offsets = h.sandbox.bigcommerce.server
      .requests((r) => r.path.endsWith('/backend/tokens'))
      .map((r) => r.query.offset);
    expect(offsets).toEqual(['0', '250']);
    expect(
      b2bApi()
        .allTokens()
        .filter((t) => t.name.startsWith('bulk-')),
    ).toHaveLength(300);
  });

  it('treats a 404 on delete as already gone: no announcement, no warning', async () => {
    const h = rotator();
    const orphan = await orphanOfADeadRun('x@example.com');
    // Someone deletes it between our list and our delete: BigCommerce answers 404.
    h.sandbox.bigcommerce.server.injectFault({
      match: { method: 'DELETE' },
      fault: { kind: 'status', status: 404 },
      phase: 'after',
    });
    const before = (await revokedEvents()).length;
    const report = await b2b({ targets: ['erp-sync'] });
    expect(report.results[0]).toMatchObject({ outcome: 'skipped' });
    expect(report.results[0]?.warnings).toBeUndefined();
    expect(await revokedEvents()).toHaveLength(before);
    expect(live(orphan.token)).toBe(false);
  });

  it('reports a failed revocation without failing, and retries it next run', async () => {
    const h = rotator();
    const orphan = await orphanOfADeadRun('x@example.com');
    h.sandbox.bigcommerce.server.injectFault({
      match: { method: 'DELETE' },
      fault: { kind: 'status', status: 500 },
      times: 4,
    });
    const failed = await b2b({ targets: ['erp-sync'] });
    expect(failed.results[0]).toMatchObject({
      outcome: 'skipped',
      warnings: [expect.stringContaining('will retry next run')],
    });
    expect(live(orphan.token)).toBe(true);
    const retried = await b2b({ targets: ['erp-sync'] });
    expect(retried.results[0]?.outcome).toBe('revoked');
    expect(live(orphan.token)).toBe(false);
  });

  it('cleans up the orphan of a run that crashed between mint and stage, once past the grace period', async () => {
    const h = rotator();
    const tokensBefore = new Set(
      b2bApi()
        .allTokens()
        .map((t) => t.token),
    );
    h.sandbox.aws.server.injectFault({
      match: { operation: 'PutSecretValue' },
      fault: { kind: 'status', status: 500 },
      // The run's first write is its claim; the second stages the minted token.
      skip: 1,
      times: 3,
    });
    const crashed = await b2b({ targets: ['erp-sync'], force: true });
    expect(crashed.results[0]).toMatchObject({ outcome: 'failed', step: 'stage' });
    const orphan = b2bApi()
      .allTokens()
      .find((t) => !tokensBefore.has(t.token))!;
    expect(orphan.name).toMatch(new RegExp(`^bctr/${h.owner}/erp-sync/`));

    h.sandbox.clock.advance(30 * 60_000);
    await b2b({ targets: ['erp-sync'] });
    expect(live(orphan.token)).toBe(true);
    h.sandbox.clock.advance(31 * 60_000);
    const report = await b2b({ targets: ['erp-sync'] });
    expect(report.results[0]?.revoked).toEqual([expect.stringContaining(orphan.name)]);
    expect(live(orphan.token)).toBe(false);
  });

  it('lists in a dry run what would be minted and revoked, and does neither', async () => {
    const h = rotator();
    const orphan = await orphanOfADeadRun('x@example.com');
    const count = b2bApi().allTokens().length;
    h.sandbox.bigcommerce.server.clearRequests();
    const report = await b2b({ targets: ['erp-sync'], force: true, dryRun: true });
    expect(report.results[0]).toMatchObject({
      outcome: 'planned',
      reason: expect.stringContaining('would mint'),
      revoked: [expect.stringContaining(orphan.name)],
    });
    expect(b2bApi().allTokens()).toHaveLength(count);
    expect(h.sandbox.bigcommerce.server.requests((r) => r.method !== 'GET')).toHaveLength(0);
    expect(live(orphan.token)).toBe(true);
  });

  it('fails clearly on a wrong password and revokes nothing', async () => {
    const h = rotator();
    const name = h.config.stores[0]!.b2bCredentialsSecret!;
    const good = (await h.aws.valueAt(name))!;
    await h.aws.putCurrent(name, JSON.stringify({ ...JSON.parse(good), password: 'wrong-login-value-1' }));
    try {
      h.sandbox.bigcommerce.server.clearRequests();
      const report = await h.newInstance('b2b')({ targets: ['erp-sync'], force: true });
      expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint' });
      expect(report.results[0]?.reason).toContain('The email or password you have entered is incorrect');
      expect(deletes()).toHaveLength(0);
    } finally {
      await h.aws.putCurrent(name, good);
    }
  });

  it('never writes a B2B token or the password to the output', () => {
    const output = capturedOutput();
    expect(output).not.toContain(rotator().sandbox.store.b2bAdmin.password);
    for (const t of b2bApi().allTokens()) expect(output).not.toContain(t.token);
  });
});
