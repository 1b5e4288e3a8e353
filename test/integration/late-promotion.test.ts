import { randomUUID } from 'node:crypto';
import { CLAIM_LEASE_MS } from '../../functions/rotation/claim';
import { STAGES } from '../../functions/rotation/secret-store';
import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { STORE, useRotator } from '../support/rotator';

/**
 * A superseded token's grace period counts from the moment its successor became AWSCURRENT, which may be hours
 * after that successor's mint: a rotation that failed after staging is finished by a later run, or Secrets
 * Manager retries finishSecret long after createSecret. Consumers that read the secret until then hold the
 * old token, and it must keep working for the grace period after the promotion.
 */
const rotator = useRotator({
  stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
  tokens: [
    { id: 'resumed', store: STORE, ...PRIVATE_TOKEN, revokeSuperseded: { gracePeriod: '1h' } },
    { id: 'retried', store: STORE, ...PRIVATE_TOKEN, revokeSuperseded: { gracePeriod: '1h' } },
    { id: 'prompt', store: STORE, ...PRIVATE_TOKEN, revokeSuperseded: { gracePeriod: '1h' } },
  ],
});

const HOUR = 3_600_000;
const MINUTE = 60_000;
const GRACE = HOUR;
const VERIFY = { method: 'POST', path: '^/storefront/store-' };
const MINT = { method: 'POST', path: 'api-token-private$' };

afterEach(() => rotator().sandbox.bigcommerce.server.faults.clear());

function revokedAt(token: string): Date | undefined {
  return rotator()
    .sandbox.bigcommerce.api.storefrontTokens.issued()
    .find((t) => t.token === token)?.revokedAt;
}

/** Every BigCommerce call fails matching `match` until the faults are cleared. */
function failing(match: Record<string, string>): void {
  rotator().sandbox.bigcommerce.server.injectFault({ match, fault: { kind: 'status', status: 500 }, times: 1_000 });
}

/** The labels on the version holding `label` (none when no version does). */
async function holderLabels(tokenId: string, label: string): Promise<string[] | undefined> {
  return [...(await rotator().stages(tokenId)).values()].find((labels) => labels.includes(label));
}

async function step(tokenId: string, Step: string, ClientRequestToken: string): Promise<unknown> {
  const SecretId = rotator().config.tokens.find((t) => t.id === tokenId)!.secretName;
  return rotator().newInstance()({ Step, SecretId, ClientRequestToken });
}

/** Runs scheduled passes at `times` (ms since the epoch) and says after which of them `token` was revoked. */
async function revokedAfter(tokenId: string, token: string, times: number[]): Promise<boolean[]> {
  const seen: boolean[] = [];
  for (const time of times) {
    rotator().sandbox.clock.set(time);
    const report = await rotator().invoke({ targets: [tokenId] });
    expect(report.results[0]?.outcome).not.toBe('failed');
    seen.push(revokedAt(token) !== undefined);
  }
  return seen;
}

describe('a rotation that failed after staging, finished by a later run hours after the mint', () => {
  it('keeps the superseded token for the grace period after the promotion, then revokes it', async () => {
    const h = rotator();
    await h.invoke({ targets: ['resumed'] });
    const superseded = (await h.secret('resumed'))!;
    failing(VERIFY);
    const failed = await h.invoke({ targets: ['resumed'], force: true });
    expect(failed.results[0]).toMatchObject({ outcome: 'failed', step: 'verify' });
    h.sandbox.bigcommerce.server.faults.clear();
    const staged = (await h.secret('resumed', STAGES.pending))!;

    h.sandbox.clock.set(Date.parse(staged.mintedAt) + 5 * HOUR);
    const resumed = await h.invoke({ targets: ['resumed'] });
    const promotedAt = h.sandbox.clock.nowMs(); // no earlier than the promotion (the clock runs)
    expect(resumed.results[0]).toMatchObject({ outcome: 'rotated', resumed: true });
    expect((await h.secret('resumed'))!.token).toBe(staged.token);
    // The run's claim is the record of the promotion: one write, the claim it makes anyway.
    expect(await holderLabels('resumed', STAGES.promotion)).toEqual(
      expect.arrayContaining([STAGES.claim, STAGES.promotion]),
    );

    // Its mint time says the grace ended hours ago; consumers have seen the new token for minutes.
    const times = [promotedAt + 10 * MINUTE, promotedAt + GRACE - MINUTE, promotedAt + CLAIM_LEASE_MS + GRACE];
    expect(await revokedAfter('resumed', superseded.token, times)).toEqual([false, false, true]);
    expect(revokedAt(staged.token)).toBeUndefined();
  });

  it('keeps the record when a later attempt moves the claim on, and still revokes on time', async () => {
    const h = rotator();
    await h.invoke({ targets: ['resumed'], force: true });
    const superseded = (await h.secret('resumed'))!;
    failing(VERIFY);
    await h.invoke({ targets: ['resumed'], force: true });
    h.sandbox.bigcommerce.server.faults.clear();
    h.sandbox.clock.advance(3 * HOUR);
    expect((await h.invoke({ targets: ['resumed'] })).results[0]).toMatchObject({ resumed: true });
    const promotedAt = h.sandbox.clock.nowMs();

    // A forced run claims the new current version and fails to mint: the claim label leaves the record.
    failing(MINT);
    expect((await h.invoke({ targets: ['resumed'], force: true })).results[0]).toMatchObject({ step: 'mint' });
    h.sandbox.bigcommerce.server.faults.clear();
    expect(await holderLabels('resumed', STAGES.promotion)).toEqual([STAGES.promotion]);

    const times = [promotedAt + GRACE - MINUTE, promotedAt + CLAIM_LEASE_MS + GRACE];
    expect(await revokedAfter('resumed', superseded.token, times)).toEqual([false, true]);
  });
});

describe("Secrets Manager's rotation, its finishSecret retried hours after createSecret", () => {
  it('records the promotion and keeps the superseded token for the grace period after it', async () => {
    const h = rotator();
    await h.invoke({ targets: ['retried'] });
    const superseded = (await h.secret('retried'))!;
    const version = randomUUID();
    await step('retried', 'createSecret', version);
    failing(VERIFY);
    await expect(step('retried', 'testSecret', version)).rejects.toThrow(/verif/);
    h.sandbox.bigcommerce.server.faults.clear();

    const staged = (await h.secret('retried', STAGES.pending))!;
    h.sandbox.clock.set(Date.parse(staged.mintedAt) + 4 * HOUR);
    await step('retried', 'testSecret', version);
    expect(await step('retried', 'finishSecret', version)).toMatchObject({ result: { outcome: 'rotated' } });
    const promotedAt = h.sandbox.clock.nowMs();
    expect((await h.stages('retried')).get(version)).toContain(STAGES.current);
    // A record of its own: the claim label stays on the promoted version, the state a bulk read settles.
    expect(await holderLabels('retried', STAGES.promotion)).toEqual([STAGES.promotion]);
    expect((await h.stages('retried')).get(version)).toContain(STAGES.claim);

    const times = [promotedAt + 10 * MINUTE, promotedAt + GRACE - MINUTE, promotedAt + CLAIM_LEASE_MS + GRACE];
    expect(await revokedAfter('retried', superseded.token, times)).toEqual([false, false, true]);
  });
});

describe('a rotation promoted by the run or the steps that minted it', () => {
  it('records nothing, and the grace counts from the mint time plus the lease, as before', async () => {
    const h = rotator();
    await h.invoke({ targets: ['prompt'] });
    h.sandbox.aws.server.clearRequests();
    await h.invoke({ targets: ['prompt'], force: true });
    const writes = h.sandbox.aws.server.requests((r) => r.operation === 'PutSecretValue');
    expect(writes).toHaveLength(2); // the claim, then the token
    const superseded = (await h.secret('prompt'))!;

    const version = randomUUID();
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await step('prompt', name, version);
    const current = (await h.secret('prompt'))!;
    expect(current.token).not.toBe(superseded.token);
    expect(await holderLabels('prompt', STAGES.promotion)).toBeUndefined();

    const mintBound = Date.parse(current.mintedAt) + CLAIM_LEASE_MS;
    const times = [mintBound + GRACE - MINUTE, mintBound + GRACE];
    expect(await revokedAfter('prompt', superseded.token, times)).toEqual([false, true]);
  });
});
