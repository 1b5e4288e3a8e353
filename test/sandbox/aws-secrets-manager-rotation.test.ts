import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { RotationEvent } from '../../sandbox/aws/rotation';
import { secretsManagerClient } from '../support/aws-clients';
import { useSandboxWithAws } from '../support/sandbox';

// What a rotation function meets when RotateSecret invokes it, each rule from the Secrets Manager API reference
// and AWS's own rotation function templates, through the real SDK. The conformance run (jest.moto.config.js)
// runs this file against moto as well: there moto's RotateSecret creates the version and the test invokes the
// steps (see motoRotation in test/support/aws-backend.ts), so the state each step meets is moto's.

const started = useSandboxWithAws();
let sm: SecretsManagerClient;
let functionArn: string;

/** What the rotation function saw at one step: the version's labels and what reading it answered. */
interface Seen {
  step: string;
  secretId: string;
  token: string;
  labels: string[] | undefined;
  byId: string;
  byStage: string;
}
let seen: Seen[] = [];
/** Steps at which the rotation function fails, as one whose service refuses the new value would. */
let failAt = new Set<string>();

async function read(SecretId: string, VersionId?: string, VersionStage?: string): Promise<string> {
  try {
    return (await sm.send(new GetSecretValueCommand({ SecretId, VersionId, VersionStage }))).SecretString ?? '';
  } catch (error) {
    return (error as Error).name;
  }
}

/**
 * A rotation function written the way AWS's templates are (SecretsManagerRotationTemplate): createSecret puts
 * a value under the ClientRequestToken when reading that version answers ResourceNotFoundException,
 * finishSecret moves AWSCURRENT to it.
 */
async function rotationFunction({ Step, SecretId, ClientRequestToken: token }: RotationEvent): Promise<void> {
  const labels = (await sm.send(new DescribeSecretCommand({ SecretId }))).VersionIdsToStages?.[token];
  const byId = await read(SecretId, token);
  seen.push({
    step: Step,
    secretId: SecretId,
    token,
    labels: labels && [...labels].sort(),
    byId,
    byStage: await read(SecretId, undefined, 'AWSPENDING'),
  });
  if (failAt.has(Step)) throw new Error(`${Step} failed`);
  if (Step === 'createSecret' && byId === 'ResourceNotFoundException') {
    await sm.send(
      new PutSecretValueCommand({
        SecretId,
        ClientRequestToken: token,
        SecretString: `rotated ${token}`,
        VersionStages: ['AWSPENDING'],
      }),
    );
  }
  if (Step === 'finishSecret') {
    const stages = (await sm.send(new DescribeSecretCommand({ SecretId }))).VersionIdsToStages ?? {};
    const current = Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT'));
    if (current === token) return;
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: current,
      }),
    );
  }
}

beforeAll(async () => {
  sm = secretsManagerClient(started().sandbox, 1);
  functionArn = await started().aws.registerRotationFunction('template-rotation', rotationFunction);
});

beforeEach(() => {
  seen = [];
  failAt = new Set();
});

async function rotatableSecret(): Promise<{ name: string; arn: string }> {
  const name = `rotation/${randomUUID()}`;
  const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'first' }));
  return { name, arn: out.ARN as string };
}

function labelsOf(name: string): Promise<Record<string, string[]>> {
  return sm
    .send(new DescribeSecretCommand({ SecretId: name }))
    .then((d) => Object.fromEntries(Object.entries(d.VersionIdsToStages ?? {}).map(([id, l]) => [id, [...l].sort()])));
}

describe('RotateSecret, RotateImmediately true (the default)', () => {
  it("creates the ClientRequestToken's version with AWSPENDING and no value, then invokes createSecret, setSecret, testSecret and finishSecret with it and the secret's ARN", async () => {
    const { name, arn } = await rotatableSecret();
    const token = randomUUID();
    const run = await started().aws.rotateSecret({
      SecretId: name,
      ClientRequestToken: token,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    expect(run).toMatchObject({ versionId: token, succeeded: true });
    expect(seen.map((s) => [s.step, s.secretId, s.token])).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => [step, arn, token]),
    );
    // The version exists before the first step, labelled AWSPENDING, with nothing to read in it.
    expect(seen[0]).toMatchObject({
      labels: ['AWSPENDING'],
      byId: 'ResourceNotFoundException',
      byStage: 'ResourceNotFoundException',
    });
    // createSecret's PutSecretValue with that ClientRequestToken gave the empty version its value.
    expect(seen[1]).toMatchObject({ labels: ['AWSPENDING'], byId: `rotated ${token}` });
    expect((await labelsOf(name))[token]).toContain('AWSCURRENT');
    expect(await read(name, undefined, 'AWSCURRENT')).toBe(`rotated ${token}`);
  });

  it('"When rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty secret version": a failed step ends the rotation there, AWSCURRENT stays', async () => {
    const { name } = await rotatableSecret();
    failAt = new Set(['createSecret']);
    const run = await started().aws.rotateSecret({ SecretId: name, RotationLambdaARN: functionArn });
    expect(run.succeeded).toBe(false);
    expect(run.steps).toEqual([{ step: 'createSecret', error: 'Error: createSecret failed' }]);
    expect(seen.map((s) => s.step)).toEqual(['createSecret']);
    const labels = await labelsOf(name);
    expect(labels[run.versionId]).toEqual(['AWSPENDING']);
    expect(await read(name, run.versionId)).toBe('ResourceNotFoundException');
    expect(await read(name, undefined, 'AWSCURRENT')).toBe('first');

    // "If rotation fails, Secrets Manager retries the entire rotation process": the same version, all steps.
    failAt = new Set();
    seen = [];
    const retried = await started().aws.retryRotation(name);
    expect(retried).toMatchObject({ versionId: run.versionId, succeeded: true });
    expect(seen[0]).toMatchObject({ step: 'createSecret', labels: ['AWSPENDING'], byId: 'ResourceNotFoundException' });
    expect(await read(name, undefined, 'AWSCURRENT')).toBe(`rotated ${run.versionId}`);
  });
});

describe('RotateSecret, RotateImmediately false', () => {
  it('"tests the rotation configuration by running the testSecret step": testSecret alone, on an AWSPENDING version holding a copy of AWSCURRENT', async () => {
    const { name, arn } = await rotatableSecret();
    const before = await labelsOf(name);
    const run = await started().aws.rotateSecret({
      SecretId: name,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    });
    expect(run.succeeded).toBe(true);
    expect(seen).toEqual([
      {
        step: 'testSecret',
        secretId: arn,
        token: run.versionId,
        labels: ['AWSPENDING'],
        byId: 'first',
        byStage: 'first',
      },
    ]);
    // AWSCURRENT did not move.
    const after = await labelsOf(name);
    const current = Object.keys(before)[0] as string;
    expect(after[current]).toEqual(['AWSCURRENT']);
  });

  it('records the configuration: DescribeSecret shows RotationEnabled, the function, the rules and NextRotationDate', async () => {
    const { name } = await rotatableSecret();
    const days = 30;
    const configuredAt = started().sandbox.clock.nowMs();
    await started().aws.rotateSecret({
      SecretId: name,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: days },
      RotateImmediately: false,
    });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: days },
    });
    const next = (described.NextRotationDate as Date).getTime();
    expect(Math.abs(next - (configuredAt + days * 86_400_000))).toBeLessThan(60_000);
  });
});
