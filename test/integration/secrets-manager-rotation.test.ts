import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { randomUUID } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../../functions/aws/event-publisher';
import { STAGES, type SecretDescription, SecretsManagerSecretStore } from '../../functions/aws/secret-store';
import { SecretsManagerStoreCredentials } from '../../functions/aws/store-credentials';
import { resolveEndpoints } from '../../functions/bigcommerce/endpoints';
import { BigCommerceHttp } from '../../functions/bigcommerce/http';
import { RedactingLogger } from '../../functions/observability/logger';
import { type ProtocolOutcome, runProtocolStep } from '../../functions/rotation/rotate-token';
import { families } from '../../functions/storefront-rotator';
import { STORE, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

/**
 * Secrets Manager's rotation protocol (the console's "Rotate secret immediately", `aws secretsmanager
 * rotate-secret`): it calls the rotation function with createSecret, setSecret, testSecret and finishSecret,
 * and the ClientRequestToken as the new version's id. Secrets Manager may call a step again after a failure.
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
  await rotator().invoke({});
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

describe("Secrets Manager's own schedule", () => {
  /** The secret as Secrets Manager describes it once its rotation schedule's date has come. */
  class ScheduleDueStore extends SecretsManagerSecretStore {
    override async describe(secretName: string): Promise<SecretDescription> {
      return { ...(await super.describe(secretName)), nextRotationDate: new Date(Date.now() - 60_000) };
    }
  }

  async function scheduledStep(Step: 'createSecret' | 'finishSecret', token: string): Promise<ProtocolOutcome> {
    const h = rotator();
    const client = new SecretsManagerClient({ endpoint: h.sandbox.aws.endpointUrl, region: h.sandbox.aws.region });
    const target = h.config.tokens.find((t) => t.id === 'headless')!;
    const adapters = families(new BigCommerceHttp(), resolveEndpoints(process.env));
    return runProtocolStep(
      target,
      adapters.get(target.family)!,
      {
        clock: h.sandbox.clock,
        secrets: new ScheduleDueStore(client),
        publisher: new EventBridgePublisher(undefined as never, 'unused'),
        credentials: new SecretsManagerStoreCredentials(client, h.config.stores),
        log: new RedactingLogger(),
      },
      Step,
      token,
    );
  }

  it('mints nothing when the token is not due, and the later steps find nothing to do', async () => {
    const h = rotator();
    const before = (await h.secret('headless'))!;
    const token = randomUUID();
    const mintsBefore = mints();
    expect(await scheduledStep('createSecret', token)).toMatchObject({
      did: expect.stringMatching(/^nothing to do: Secrets Manager's schedule fired, but the token is not due/),
    });
    expect(await scheduledStep('finishSecret', token)).toMatchObject({
      did: expect.stringMatching(/^nothing to do: createSecret created no version/),
    });
    expect(mints()).toBe(mintsBefore);
    expect(await h.secret('headless')).toEqual(before);
  });

  it('mints when the token is due', async () => {
    const h = rotator();
    const current = (await h.secret('headless'))!;
    h.sandbox.clock.set(Date.parse(current.expiresAt) - 60 * 60_000);
    const mintsBefore = mints();
    expect(await scheduledStep('createSecret', randomUUID())).toMatchObject({ did: 'minted and staged in AWSPENDING' });
    expect(mints() - mintsBefore).toBe(1);
  });
});
