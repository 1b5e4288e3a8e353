import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { STAGES } from '../../functions/rotation/secret-store';
import type { ProtocolOutcome } from '../../functions/rotation/rotate-token';
import { STORE, useRotator } from '../support/rotator';
import { secretsManagerClient } from '../support/aws-clients';
import { graphqlWorks as acceptsToken, request } from '../support/sandbox';
import { pendingOutsideCurrent } from '../support/stages';

/**
 * Secrets Manager's rotation protocol (the console's "Rotate secret immediately", `aws secretsmanager
 * rotate-secret`): it calls the rotation function with createSecret, setSecret, testSecret and finishSecret,
 * and the ClientRequestToken as the new version's id. Secrets Manager may call a step again after a failure.
 * Here the steps are sent one by one, as anyone allowed to invoke the function may send them;
 * rotate-secret.test.ts drives them through RotateSecret itself, its schedule included.
 */
const rotator = useRotator({
  stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
  tokens: [
    {
      id: 'headless',
      store: STORE,
      ...PRIVATE_TOKEN,
    },
    {
      id: 'impersonation',
      store: STORE,
      family: 'customer-impersonation',
      channelIds: [1],
      lifetime: '1d',
      renewBefore: '6h',
    },
    // Its superseded token is revoked an hour after a rotation: what a crafted step could bring back.
    { id: 'revocable', store: STORE, ...PRIVATE_TOKEN, revokeSuperseded: { gracePeriod: '1h' } },
    // Never rotated: its secret holds the stack's placeholder, as on the first deploy.
    { id: 'fresh', store: STORE, ...PRIVATE_TOKEN },
  ],
});

const GRAPHQL = '/storefront/store-';
const MINT = /api-token-private$/;

function secretName(tokenId = 'headless'): string {
  return rotator().config.tokens.find((t) => t.id === tokenId)!.secretName;
}

async function step(Step: string, ClientRequestToken: string, SecretId = secretName()): Promise<ProtocolOutcome> {
  return (await rotator().newInstance()({ Step, SecretId, ClientRequestToken })) as unknown as ProtocolOutcome;
}

function mints(): number {
  return rotator().sandbox.bigcommerce.server.requests((r) => MINT.test(r.path)).length;
}

async function rotatedEvents(): Promise<number> {
  return (await rotator().events()).filter((e) => e.detailType === 'Token Rotated').length;
}

beforeAll(async () => {
  await rotator().invoke({ targets: ['headless', 'impersonation', 'revocable'] });
});

afterEach(() => {
  rotator().sandbox.bigcommerce.server.faults.clear();
  rotator().sandbox.aws.server.faults.clear();
});

describe('the four steps', () => {
  it('mint in createSecret, verify in testSecret, promote in finishSecret, with the token as the version id', async () => {
    const h = rotator();
    const before = (await h.secret('headless'))!;
    const token = randomUUID();
    const mintsBefore = mints();
    expect(await step('createSecret', token)).toMatchObject({ did: 'minted and staged in AWSPENDING' });
    expect((await h.stages('headless')).get(token)).toEqual(expect.arrayContaining([STAGES.pending]));
    expect(await h.secret('headless')).toEqual(before);
    expect(await step('setSecret', token)).toMatchObject({ did: expect.stringMatching(/^nothing to set/) });
    expect(await step('testSecret', token)).toMatchObject({ did: 'verified at BigCommerce' });
    const events = await rotatedEvents();
    const finished = await step('finishSecret', token);
    expect(finished.result).toMatchObject({ outcome: 'rotated', versionId: token });
    expect((await h.stages('headless')).get(token)).toContain(STAGES.current);
    expect((await h.secret('headless'))!.token).not.toBe(before.token);
    expect(mints() - mintsBefore).toBe(1);
    expect((await rotatedEvents()) - events).toBe(1);
    const announced = (await h.events()).filter((e) => e.detailType === 'Token Rotated').at(-1);
    expect(announced?.detail).toMatchObject({ versionId: token, trigger: 'secrets-manager' });
  });

  it('repeated with the same token, mints nothing new and promotes nothing twice', async () => {
    const h = rotator();
    const token = randomUUID();
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await step(name, token);
    const current = (await h.secret('headless'))!;
    const mintsBefore = mints();
    const events = await rotatedEvents();
    expect(await step('createSecret', token)).toMatchObject({ did: 'nothing to do: the version exists' });
    expect(await step('testSecret', token)).toMatchObject({ did: 'nothing to test: the version is current' });
    expect(await step('finishSecret', token)).toMatchObject({ did: 'nothing to do: the version is current' });
    expect(mints()).toBe(mintsBefore);
    expect(await rotatedEvents()).toBe(events);
    expect(await h.secret('headless')).toEqual(current);
  });
});

describe('a failed step, re-driven as Secrets Manager retries it', () => {
  it('createSecret: BigCommerce fails, nothing is staged; the retry mints once', async () => {
    const h = rotator();
    const before = (await h.secret('headless'))!;
    const token = randomUUID();
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: MINT },
      fault: { kind: 'status', status: 500 },
      times: 4,
    });
    await expect(step('createSecret', token)).rejects.toThrow(/mint failed: BigCommerce POST .* answered 500/);
    expect((await h.stages('headless')).has(token)).toBe(false);
    expect(await h.secret('headless')).toEqual(before);
    const mintsBefore = mints();
    await step('createSecret', token);
    expect(mints() - mintsBefore).toBe(1);
    await step('testSecret', token);
    await step('finishSecret', token);
    expect((await h.stages('headless')).get(token)).toContain(STAGES.current);
  });

  it('testSecret: the token fails verification, is not promoted, and passes when retried', async () => {
    const h = rotator();
    const before = (await h.secret('headless'))!;
    const token = randomUUID();
    await step('createSecret', token);
    h.sandbox.bigcommerce.server.injectFault({ match: { path: GRAPHQL }, fault: { kind: 'status', status: 401 } });
    await expect(step('testSecret', token)).rejects.toThrow(/verify failed/);
    expect(await h.secret('headless')).toEqual(before);
    await step('testSecret', token);
    await step('finishSecret', token);
    expect((await h.stages('headless')).get(token)).toContain(STAGES.current);
  });

  it('finishSecret: AWS refuses the promotion, the old token stays current; the retry promotes', async () => {
    const h = rotator();
    const before = (await h.secret('headless'))!;
    const token = randomUUID();
    await step('createSecret', token);
    await step('testSecret', token);
    h.sandbox.aws.server.injectFault({
      match: { operation: 'UpdateSecretVersionStage' },
      fault: { kind: 'status', status: 500 },
      times: 3,
    });
    await expect(step('finishSecret', token)).rejects.toThrow(/promote failed/);
    expect(await h.secret('headless')).toEqual(before);
    await step('finishSecret', token);
    expect((await h.stages('headless')).get(token)).toContain(STAGES.current);
    expect(pendingOutsideCurrent((await h.stages('headless')).values())).toBe(false);
  });
});

describe('Secrets Manager and the scheduled sweep at once', () => {
  it('promote once and leave no orphan, whichever claims first', async () => {
    const h = rotator();
    const token = randomUUID();
    const events = await rotatedEvents();
    const issuedBefore = h.sandbox.bigcommerce.api.storefrontTokens.issued().length;
    const [created, sweep] = await Promise.allSettled([
      step('createSecret', token),
      h.newInstance()({ targets: ['headless'], force: true }),
    ]);
    if (created.status === 'fulfilled') {
      await step('testSecret', token);
      await step('finishSecret', token);
    } else {
      expect(String(created.reason)).toMatch(/another invocation is rotating this token/);
    }
    expect(sweep.status).toBe('fulfilled');
    expect((await rotatedEvents()) - events).toBe(1);
    // One new token, and it is the current one.
    const minted = h.sandbox.bigcommerce.api.storefrontTokens.issued().slice(issuedBefore);
    expect(minted).toHaveLength(1);
    expect((await h.secret('headless'))!.token).toBe(minted[0]!.token);
  });
});

describe('events it refuses', () => {
  it('a secret this function does not manage: refused, nothing read or written', async () => {
    const h = rotator();
    h.sandbox.aws.server.clearRequests();
    await expect(step('createSecret', randomUUID(), `bigcommerce/${STORE}/api-account`)).rejects.toThrow(
      /does not manage; nothing was changed/,
    );
    expect(h.sandbox.aws.server.requests()).toHaveLength(0);
  });

  it('an unknown step or a malformed token: refused', async () => {
    await expect(step('rotateEverything', randomUUID())).rejects.toThrow(/Step must be one of/);
    await expect(step('createSecret', 'short')).rejects.toThrow(/ClientRequestToken/);
  });

  it('accepts the secret by ARN, as Secrets Manager sends it', async () => {
    const h = rotator();
    const announced = (await h.events()).map((e) => e.detail as { secretName?: string; secretArn?: string });
    const arn = announced.find((d) => d.secretName === secretName())!.secretArn!;
    const token = randomUUID();
    expect(await step('createSecret', token, arn)).toMatchObject({ did: 'minted and staged in AWSPENDING' });
    await step('testSecret', token, arn);
    await step('finishSecret', token, arn);
    expect((await h.stages('headless')).get(token)).toContain(STAGES.current);
  });
});

const HOUR = 3_600_000;

/** Requests that mint or revoke a token at the sandbox's BigCommerce (the verifying GraphQL reads are not). */
function tokenWrites(): number {
  return rotator().sandbox.bigcommerce.server.requests((r) => r.path.includes('/storefront/api-token')).length;
}

/** Each version of a token's secret with its labels, and the value in AWSCURRENT: what a refused step leaves. */
async function secretState(tokenId: string): Promise<{ versions: [string, string[]][]; current: unknown }> {
  const h = rotator();
  const versions = [...(await h.stages(tokenId))].map(([id, labels]): [string, string[]] => [id, [...labels].sort()]);
  versions.sort(([a], [b]) => a.localeCompare(b));
  return { versions, current: await h.secret(tokenId) };
}

function holder(stages: Map<string, string[]>, label: string): string {
  const found = [...stages].find(([, labels]) => labels.includes(label));
  if (!found) throw new Error(`no version holds ${label}`);
  return found[0];
}

/** `act` is refused naming `problem`, and changes nothing: the secret, BigCommerce's tokens and the bus. */
async function expectRefused(act: () => Promise<unknown>, tokenId: string, problem: RegExp): Promise<void> {
  const h = rotator();
  const before = await secretState(tokenId);
  const writes = tokenWrites();
  const events = (await h.events()).length;
  const refusal = act();
  await expect(refusal).rejects.toMatchObject({ name: 'ProtocolStepError' });
  await expect(refusal).rejects.toThrow(problem);
  expect(await secretState(tokenId)).toEqual(before);
  expect(tokenWrites()).toBe(writes);
  expect((await h.events()).length).toBe(events);
}

function graphqlWorks(token: string): Promise<boolean> {
  return acceptsToken(rotator().sandbox, STORE, token);
}

/** The merchant revokes a token in the control panel: BigCommerce no longer accepts it. */
async function revokeAtBigCommerce(token: string): Promise<void> {
  const h = rotator();
  const store = h.sandbox.bigcommerce.api.seeded.find((s) => s.storeHash === STORE)!;
  const response = await request(`${h.sandbox.bigcommerce.apiUrl}/stores/${STORE}/v3/storefront/api-token`, {
    method: 'DELETE',
    headers: { 'x-auth-token': store.accessToken, 'sf-api-token': token },
  });
  expect(response.status).toBe(200);
}

describe('steps naming a version that is not the rotation in progress', () => {
  /** A token rotated twice, whose first token the cleanup revoked: the version now in AWSPREVIOUS. */
  let revokedVersion: string;
  beforeAll(async () => {
    const h = rotator();
    await h.invoke({ targets: ['revocable'], force: true });
    revokedVersion = holder(await h.stages('revocable'), STAGES.previous);
    h.sandbox.clock.advance(2 * HOUR);
    const cleanup = await h.invoke({ targets: ['revocable'] });
    expect(cleanup.results[0]).toMatchObject({ outcome: 'revoked' });
    expect((await h.stages('revocable')).get(revokedVersion)).toContain(STAGES.revoked);
  });

  it('finishSecret naming the revoked AWSPREVIOUS version: refused; the current token stays and keeps working', async () => {
    const h = rotator();
    const current = (await h.secret('revocable'))!;
    expect(await graphqlWorks(current.token)).toBe(true);
    for (const name of ['finishSecret', 'testSecret']) {
      await expectRefused(
        () => step(name, revokedVersion, secretName('revocable')),
        'revocable',
        new RegExp(`version ${revokedVersion} does not hold AWSPENDING`),
      );
    }
    expect(await graphqlWorks(current.token)).toBe(true);
    const next = await h.invoke({ targets: ['revocable'] });
    expect(next.results[0]).toMatchObject({ outcome: 'skipped' });
    expect((await h.secret('revocable'))!.token).toBe(current.token);
  });

  it('the revoked AWSPREVIOUS version with AWSPENDING moved onto it: still refused', async () => {
    const h = rotator();
    const client = secretsManagerClient(h.sandbox);
    const SecretId = secretName('revocable');
    const pendingHolder = holder(await h.stages('revocable'), STAGES.pending);
    const move = (to: string, from: string) =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId,
          VersionStage: STAGES.pending,
          MoveToVersionId: to,
          RemoveFromVersionId: from,
        }),
      );
    await move(revokedVersion, pendingHolder);
    try {
      for (const name of ['finishSecret', 'testSecret']) {
        await expectRefused(
          () => step(name, revokedVersion, SecretId),
          'revocable',
          new RegExp(`version ${revokedVersion} was current before \\(AWSPREVIOUS\\)`),
        );
      }
      expect(await graphqlWorks((await h.secret('revocable'))!.token)).toBe(true);
    } finally {
      await move(pendingHolder, revokedVersion);
    }
  });

  it('testSecret and finishSecret naming the current version (a retry after the rotation finished): succeed, change nothing', async () => {
    const h = rotator();
    const current = holder(await h.stages('headless'), STAGES.current);
    const before = await secretState('headless');
    const writes = tokenWrites();
    expect(await step('testSecret', current)).toMatchObject({ did: 'nothing to test: the version is current' });
    expect(await step('finishSecret', current)).toMatchObject({ did: 'nothing to do: the version is current' });
    expect(await secretState('headless')).toEqual(before);
    expect(tokenWrites()).toBe(writes);
  });

  it('an unknown version id: refused', async () => {
    const unknown = randomUUID();
    for (const name of ['finishSecret', 'testSecret']) {
      await expectRefused(() => step(name, unknown), 'headless', new RegExp(`version ${unknown} is not a version of`));
    }
  });

  it('a version id of another managed secret: refused', async () => {
    const other = holder(await rotator().stages('impersonation'), STAGES.current);
    for (const name of ['finishSecret', 'testSecret']) {
      await expectRefused(() => step(name, other), 'headless', new RegExp(`version ${other} is not a version of`));
    }
  });

  it('a staged token BigCommerce no longer accepts (never verified): finishSecret does not promote it', async () => {
    const h = rotator();
    const token = randomUUID();
    await step('createSecret', token);
    const staged = (await h.secret('headless', STAGES.pending))!;
    await revokeAtBigCommerce(staged.token);
    const current = holder(await h.stages('headless'), STAGES.current);
    const before = (await h.secret('headless'))!;
    const writes = tokenWrites();
    await expect(step('finishSecret', token)).rejects.toThrow(/verify failed/);
    expect(holder(await h.stages('headless'), STAGES.current)).toBe(current);
    expect(await h.secret('headless')).toEqual(before);
    expect(tokenWrites()).toBe(writes);
    expect(await graphqlWorks(before.token)).toBe(true);
  });
});

/**
 * A rotation schedule with RotateImmediately false (the stack's, on every deploy): "Secrets Manager tests the
 * rotation configuration by running the testSecret step of the Lambda rotation function. The test creates an
 * AWSPENDING version of the secret and then removes it" (RotateSecret). That version is a copy of AWSCURRENT.
 * A failing test fails the deploy.
 */
describe("Secrets Manager's test of the rotation configuration", () => {
  async function configurationTest(tokenId: string, meanwhile?: (copy: string) => Promise<void>) {
    const h = rotator();
    const client = secretsManagerClient(h.sandbox);
    const SecretId = secretName(tokenId);
    const copy = randomUUID();
    await client.send(
      new PutSecretValueCommand({
        SecretId,
        ClientRequestToken: copy,
        SecretString: await h.aws.valueAt(SecretId),
        VersionStages: [STAGES.pending],
      }),
    );
    const before = await secretState(tokenId);
    const writes = tokenWrites();
    const tested = await step('testSecret', copy, SecretId);
    expect(await secretState(tokenId)).toEqual(before);
    expect(tokenWrites()).toBe(writes);
    await meanwhile?.(copy);
    await client.send(
      new UpdateSecretVersionStageCommand({ SecretId, VersionStage: STAGES.pending, RemoveFromVersionId: copy }),
    );
    return tested;
  }

  it('on a token: testSecret succeeds and changes nothing; neither finishSecret nor a sweep meanwhile promotes the copy', async () => {
    const h = rotator();
    // The current token has been in place longer than the grace period: a cleanup would revoke AWSPREVIOUS.
    h.sandbox.clock.advance(2 * HOUR);
    const current = (await h.secret('revocable'))!;
    const tested = await configurationTest('revocable', async (copy) => {
      await expectRefused(
        () => step('finishSecret', copy, secretName('revocable')),
        'revocable',
        new RegExp(`version ${copy} is a copy of the current version`),
      );
      const before = await secretState('revocable');
      const writes = tokenWrites();
      const sweep = await h.invoke({ targets: ['revocable'] });
      expect(sweep.results[0]).toMatchObject({ outcome: 'skipped' });
      expect(await secretState('revocable')).toEqual(before);
      expect(tokenWrites()).toBe(writes);
    });
    expect(tested).toMatchObject({
      did: expect.stringMatching(/^nothing to test: the version is a copy of the current one/),
    });
    expect((await h.secret('revocable'))!.token).toBe(current.token);
    expect(await graphqlWorks(current.token)).toBe(true);
  });

  it("on the first deploy's placeholder: testSecret succeeds and changes nothing", async () => {
    const h = rotator();
    expect(await h.secret('fresh')).toMatchObject({ token: null, status: 'awaiting-first-rotation' });
    const tested = await configurationTest('fresh');
    expect(tested).toMatchObject({
      did: expect.stringMatching(/^nothing to test: the version is a copy of the current one/),
    });
    expect(await h.secret('fresh')).toMatchObject({ token: null, status: 'awaiting-first-rotation' });
  });
});
