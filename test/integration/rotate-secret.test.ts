import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { STAGES } from '../../functions/rotation/secret-store';
import type { ProtocolOutcome } from '../../functions/rotation/rotate-token';
import type { RotationStep } from '../../sandbox/aws/rotation';
import type { RotationRun } from '../support/aws-backend';
import { STORE, useRotator } from '../support/rotator';
import { graphqlWorks as acceptsToken } from '../support/sandbox';
import { pendingOutsideCurrent } from '../support/stages';

/**
 * The rotator as Secrets Manager's rotation function, driven by RotateSecret itself (`aws secretsmanager
 * rotate-secret`, the console's "Rotate secret immediately", the rotation schedule): Secrets Manager creates the
 * rotation's AWSPENDING version before the first step, empty, and invokes the four steps with its id. On the
 * sandbox, RotateSecret invokes the handler in-process; in the conformance run, moto's RotateSecret creates the
 * version and the test invokes the steps as Secrets Manager would (see motoRotation in test/support/aws-backend.ts).
 */
const rotator = useRotator({
  stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
  tokens: ['headless', 'retried', 'failing', 'scheduled', 'swept', 'plain', 'fresh'].map((id) => ({
    id,
    store: STORE,
    ...PRIVATE_TOKEN,
  })),
});

const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const MINT = /api-token-private$/;
const GRAPHQL = '/storefront/store-';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let functionArn: string;

function secretName(tokenId: string): string {
  return rotator().config.tokens.find((t) => t.id === tokenId)!.secretName;
}

function issued(): number {
  return rotator().sandbox.bigcommerce.api.storefrontTokens.issued().length;
}

async function announced(detailType: string): Promise<Record<string, unknown>[]> {
  return (await rotator().events())
    .filter((e) => e.detailType === detailType)
    .map((e) => e.detail as Record<string, unknown>);
}

/** The labelled versions of a token's secret, labels sorted (deprecated versions left out). */
async function labels(tokenId: string): Promise<Record<string, string[]>> {
  const all = [...(await rotator().stages(tokenId))].filter(([, held]) => held.length > 0);
  return Object.fromEntries(all.map(([id, held]) => [id, [...held].sort()]));
}

function holder(map: Record<string, string[]>, label: string): string | undefined {
  return Object.keys(map).find((id) => map[id]?.includes(label));
}

/** The stack's rotation schedule: RotateSecret with RotateImmediately false, which tests the configuration. */
function configure(tokenId: string, days = 30): Promise<RotationRun> {
  return rotator().aws.rotateSecret({
    SecretId: secretName(tokenId),
    RotationLambdaARN: functionArn,
    RotationRules: { AutomaticallyAfterDays: days },
    RotateImmediately: false,
  });
}

function graphqlWorks(token: string): Promise<boolean> {
  return acceptsToken(rotator().sandbox, STORE, token);
}

beforeAll(async () => {
  const h = rotator();
  await h.invoke({ targets: ['headless', 'retried', 'failing', 'scheduled', 'plain'] });
  functionArn = await h.aws.registerRotationFunction('storefront-rotator', (event) => h.invoke(event));
  for (const id of ['headless', 'retried', 'failing']) expect((await configure(id)).succeeded).toBe(true);
});

afterEach(() => {
  rotator().sandbox.bigcommerce.server.faults.clear();
});

describe('configuring rotation as the stack does (RotateImmediately false)', () => {
  it('on a token and on the placeholder: testSecret passes, nothing is minted, promoted or announced, and the copy is left in no rotation', async () => {
    const h = rotator();
    for (const id of ['plain', 'fresh']) {
      const before = await h.secret(id);
      const current = holder(await labels(id), STAGES.current);
      const issuedBefore = issued();
      const events = (await h.events()).length;
      const run = await configure(id);
      expect(run).toMatchObject({ succeeded: true, steps: [{ step: 'testSecret' }] });
      expect(holder(await labels(id), STAGES.current)).toBe(current);
      expect(await h.secret(id)).toEqual(before);
      expect(pendingOutsideCurrent(Object.values(await labels(id)))).toBe(false);
      expect(issued()).toBe(issuedBefore);
      expect((await h.events()).length).toBe(events);
    }
    expect(await h.secret('fresh')).toMatchObject({ token: null, status: 'awaiting-first-rotation' });
  });
});

describe('RotateSecret (rotate-secret, "Rotate secret immediately")', () => {
  it('mints once into the version Secrets Manager created, verifies it, promotes it and announces it', async () => {
    const h = rotator();
    const before = (await h.secret('headless'))!;
    const issuedBefore = issued();
    const rotatedBefore = (await announced('Token Rotated')).length;
    const run = await h.aws.rotateSecret({ SecretId: secretName('headless') });
    expect(run.steps).toEqual(STEPS.map((step) => ({ step })));
    expect(run.succeeded).toBe(true);
    const after = (await h.secret('headless'))!;
    expect(holder(await labels('headless'), STAGES.current)).toBe(run.versionId);
    expect(after.token).not.toBe(before.token);
    expect(issued() - issuedBefore).toBe(1);
    expect(h.sandbox.bigcommerce.api.storefrontTokens.issued().at(-1)?.token).toBe(after.token);
    expect(await graphqlWorks(after.token)).toBe(true);
    const rotated = await announced('Token Rotated');
    expect(rotated.length - rotatedBefore).toBe(1);
    expect(rotated.at(-1)).toMatchObject({ versionId: run.versionId, trigger: 'secrets-manager' });
    expect(pendingOutsideCurrent(Object.values(await labels('headless')))).toBe(false);
  });

  it('each step invoked again with the same ClientRequestToken, as Secrets Manager retries one, changes nothing', async () => {
    const h = rotator();
    const run = await h.aws.rotateSecret({ SecretId: secretName('headless') });
    expect(run.succeeded).toBe(true);
    const before = { labels: await labels('headless'), current: await h.secret('headless') };
    const issuedBefore = issued();
    const events = (await h.events()).length;
    for (const Step of STEPS) {
      const outcome = (await h.invoke({
        Step,
        SecretId: secretName('headless'),
        ClientRequestToken: run.versionId,
      })) as unknown as ProtocolOutcome;
      expect(outcome.did).toMatch(/^nothing to/);
    }
    expect({ labels: await labels('headless'), current: await h.secret('headless') }).toEqual(before);
    expect(issued()).toBe(issuedBefore);
    expect((await h.events()).length).toBe(events);
  });

  it('a rotation that failed after createSecret, retried by Secrets Manager from the first step: one mint, promoted once', async () => {
    const h = rotator();
    const before = (await h.secret('retried'))!;
    const issuedBefore = issued();
    const rotatedBefore = (await announced('Token Rotated')).length;
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: GRAPHQL },
      fault: { kind: 'status', status: 401 },
      times: 1,
    });
    const failed = await h.aws.rotateSecret({ SecretId: secretName('retried') });
    expect(failed.steps.map((s) => [s.step, s.error !== undefined])).toEqual([
      ['createSecret', false],
      ['setSecret', false],
      ['testSecret', true],
    ]);
    expect(await h.secret('retried')).toEqual(before);
    expect(issued() - issuedBefore).toBe(1);

    const retried = await h.aws.retryRotation(secretName('retried'));
    expect(retried).toMatchObject({ versionId: failed.versionId, succeeded: true });
    expect(issued() - issuedBefore).toBe(1);
    expect(holder(await labels('retried'), STAGES.current)).toBe(failed.versionId);
    expect((await h.secret('retried'))!.token).toBe(h.sandbox.bigcommerce.api.storefrontTokens.issued().at(-1)?.token);
    expect((await announced('Token Rotated')).length - rotatedBefore).toBe(1);
  });

  it("BigCommerce refuses the mint: the previous token stays, and Secrets Manager's retry completes the rotation with one mint", async () => {
    const h = rotator();
    const before = (await h.secret('failing'))!;
    const issuedBefore = issued();
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: MINT },
      fault: { kind: 'status', status: 403 },
      times: 1,
    });
    const failed = await h.aws.rotateSecret({ SecretId: secretName('failing') });
    expect(failed.steps).toEqual([{ step: 'createSecret', error: expect.stringMatching(/mint failed/) }]);
    // "When rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty secret version."
    expect((await labels('failing'))[failed.versionId]).toEqual([STAGES.pending]);
    expect(await h.aws.valueAt(secretName('failing'), STAGES.pending)).toBeUndefined();
    expect(await h.secret('failing')).toEqual(before);
    expect(await graphqlWorks(before.token)).toBe(true);
    // Nothing to verify or promote in it: testSecret and finishSecret sent on their own are refused.
    const left = await labels('failing');
    for (const Step of ['testSecret', 'finishSecret']) {
      const step = h.invoke({ Step, SecretId: secretName('failing'), ClientRequestToken: failed.versionId });
      await expect(step).rejects.toThrow(`version ${failed.versionId} holds no value`);
    }
    expect(await labels('failing')).toEqual(left);

    const retried = await h.aws.retryRotation(secretName('failing'));
    expect(retried).toMatchObject({ versionId: failed.versionId, succeeded: true });
    expect(issued() - issuedBefore).toBe(1);
    expect(holder(await labels('failing'), STAGES.current)).toBe(failed.versionId);
    expect(pendingOutsideCurrent(Object.values(await labels('failing')))).toBe(false);
  });
});

describe('RotateSecret and the sweep at once', () => {
  it('one of them mints, once; the token is promoted once and no rotation is left in progress', async () => {
    const h = rotator();
    const issuedBefore = issued();
    const rotatedBefore = (await announced('Token Rotated')).length;
    const [run, sweep] = await Promise.all([
      h.aws.rotateSecret({ SecretId: secretName('headless') }),
      h.newInstance()({ targets: ['headless'], force: true }),
    ]);
    // The loser stands down: the sweep reports the rotation in progress, or createSecret is refused.
    expect(run.succeeded || sweep.results[0]?.outcome === 'rotated').toBe(true);
    expect(run.succeeded && sweep.results[0]?.outcome === 'rotated').toBe(false);
    expect(issued() - issuedBefore).toBe(1);
    expect((await announced('Token Rotated')).length - rotatedBefore).toBe(1);
    expect((await h.secret('headless'))!.token).toBe(h.sandbox.bigcommerce.api.storefrontTokens.issued().at(-1)?.token);
    expect(pendingOutsideCurrent(Object.values(await labels('headless')))).toBe(false);
  });
});

describe("Secrets Manager's rotation schedule", () => {
  it('fires for a token that is not due: nothing is minted, and the rotation ends without leaving one in progress', async () => {
    const h = rotator();
    expect((await configure('scheduled', 1)).succeeded).toBe(true);
    h.sandbox.clock.advance(DAY + 60_000);
    const before = { labels: await labels('scheduled'), current: await h.secret('scheduled') };
    const issuedBefore = issued();
    const run = await h.aws.rotateOnSchedule(secretName('scheduled'));
    expect(run).toMatchObject({ succeeded: true });
    expect(run.steps.map((s) => s.step)).toEqual(STEPS);
    expect(issued()).toBe(issuedBefore);
    expect(await h.secret('scheduled')).toEqual(before.current);
    expect(holder(await labels('scheduled'), STAGES.current)).toBe(holder(before.labels, STAGES.current));
    // AWSPENDING on AWSCURRENT's version or on none: "any later invocation of RotateSecret" may start.
    expect(pendingOutsideCurrent(Object.values(await labels('scheduled')))).toBe(false);
  });

  it('fires for a token that is due: mints, verifies and promotes', async () => {
    const h = rotator();
    const before = (await h.secret('scheduled'))!;
    h.sandbox.clock.set(Date.parse(before.expiresAt) - HOUR);
    const issuedBefore = issued();
    const run = await h.aws.rotateOnSchedule(secretName('scheduled'));
    expect(run.succeeded).toBe(true);
    expect(issued() - issuedBefore).toBe(1);
    expect(holder(await labels('scheduled'), STAGES.current)).toBe(run.versionId);
    expect((await h.secret('scheduled'))!.token).not.toBe(before.token);
  });
});

describe('the sweep after an unsuccessful Secrets Manager rotation', () => {
  it('neither fails on the empty AWSPENDING version nor promotes it, rotates the token once it is due, and Secrets Manager rotates again afterwards', async () => {
    const h = rotator();
    // A token minted now, whatever the clock did above, configured for rotation as the stack does.
    await h.invoke({ targets: ['swept'], force: true });
    expect((await configure('swept')).succeeded).toBe(true);
    const before = (await h.secret('swept'))!;
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: MINT },
      fault: { kind: 'status', status: 403 },
      times: 1,
    });
    const failed = await h.aws.rotateSecret({ SecretId: secretName('swept') });
    expect(failed.succeeded).toBe(false);
    const left = await labels('swept');
    expect(left[failed.versionId]).toEqual([STAGES.pending]);
    const issuedBefore = issued();

    const notDue = await h.invoke({ targets: ['swept'] });
    expect(notDue.results[0]).toMatchObject({ outcome: 'skipped' });
    expect(await labels('swept')).toEqual(left);
    expect(issued()).toBe(issuedBefore);

    h.sandbox.clock.set(Date.parse(before.expiresAt) - HOUR);
    const due = await h.invoke({ targets: ['swept'] });
    expect(due.results[0]).toMatchObject({ outcome: 'rotated' });
    expect(issued() - issuedBefore).toBe(1);
    const rotated = await labels('swept');
    expect(holder(rotated, STAGES.current)).not.toBe(failed.versionId);
    expect(rotated[failed.versionId]).toBeUndefined();
    expect(pendingOutsideCurrent(Object.values(rotated))).toBe(false);

    const next = await h.aws.rotateSecret({ SecretId: secretName('swept') });
    expect(next.succeeded).toBe(true);
    expect(holder(await labels('swept'), STAGES.current)).toBe(next.versionId);
    expect(issued() - issuedBefore).toBe(2);
  });
});
