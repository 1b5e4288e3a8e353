import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  type RotateSecretCommandInput,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { RotationEvent } from '../../sandbox/aws/rotation';
import type { SecretsManager } from '../../sandbox/aws/secrets-manager';
import { secretsManagerClient } from '../support/aws-clients';
import { useSandbox } from '../support/sandbox';

// RotateSecret's rules where moto departs from the API reference (test/conformance/moto-deviations.moto.ts),
// each quoted in its name or a comment, through the real SDK. What the rotation function meets, which moto
// agrees with, is in aws-secrets-manager-rotation.test.ts.

const sandbox = useSandbox();
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotation';
const DAY = 86_400_000;
let sm: SecretsManagerClient;
let secrets: SecretsManager;
/** Each invocation of the rotation function. */
let invoked: RotationEvent[] = [];
/** How the rotation function handles a step; by default it fills the version and promotes it. */
let behaviour: (event: RotationEvent) => Promise<void>;

beforeAll(() => {
  sm = secretsManagerClient(sandbox(), 1);
  secrets = sandbox().aws.api.secretsManager;
  secrets.registerRotationFunction(FUNCTION_ARN, async (event) => {
    invoked.push(event);
    await behaviour(event);
  });
});

beforeEach(() => {
  invoked = [];
  behaviour = rotateForReal;
});

async function rotateForReal({ Step, SecretId, ClientRequestToken }: RotationEvent): Promise<void> {
  if (Step === 'createSecret')
    await sm.send(
      new PutSecretValueCommand({
        SecretId,
        ClientRequestToken,
        SecretString: `rotated ${ClientRequestToken}`,
        VersionStages: ['AWSPENDING'],
      }),
    );
  if (Step === 'finishSecret') {
    const current = holder(await stages(SecretId), 'AWSCURRENT');
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: ClientRequestToken,
        RemoveFromVersionId: current,
      }),
    );
  }
}

async function secret(value = 'first'): Promise<string> {
  const name = `rotate/${randomUUID()}`;
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

async function stages(name: string): Promise<Record<string, string[]>> {
  const map = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
  return Object.fromEntries(Object.entries(map).map(([id, labels]) => [id, [...labels].sort()]));
}

function holder(map: Record<string, string[]>, label: string): string | undefined {
  return Object.keys(map).find((id) => map[id]?.includes(label));
}

/** RotateSecret, then the rotation it started, to its end. */
async function rotate(input: Partial<RotateSecretCommandInput> & { SecretId: string }) {
  const out = await sm.send(new RotateSecretCommand(input));
  await secrets.rotationsSettled();
  return { out, record: secrets.rotations(input.SecretId).at(-1) };
}

async function refusal(input: RotateSecretCommandInput): Promise<Error> {
  try {
    await sm.send(new RotateSecretCommand(input));
  } catch (error) {
    return error as Error;
  }
  throw new Error('RotateSecret was accepted');
}

const configured = { RotationLambdaARN: FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 30 } };

describe('RotateSecret while a rotation is in progress', () => {
  it('"If the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT, then any later invocation of RotateSecret ... returns an error", and changes nothing', async () => {
    const name = await secret();
    behaviour = async ({ Step }) => {
      if (Step === 'createSecret') throw new Error('the service refused the new value');
    };
    const failed = await rotate({ SecretId: name, ...configured });
    expect(failed.record?.outcome).toBe('failed');
    const before = await sm.send(new DescribeSecretCommand({ SecretId: name }));

    const error = await refusal({ SecretId: name, ClientRequestToken: randomUUID() });
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.message).toMatch(/previous rotation isn't complete/);
    await secrets.rotationsSettled();
    expect(invoked.map((e) => e.Step)).toEqual(['createSecret']);
    expect(await sm.send(new DescribeSecretCommand({ SecretId: name }))).toEqual({
      ...before,
      $metadata: expect.anything(),
    });
  });

  it('"When rotation is successful, the AWSPENDING staging label might be attached to the same version as the AWSCURRENT version, or it might not be attached to any version": either way the next RotateSecret runs', async () => {
    const onCurrent = await secret();
    const first = await rotate({ SecretId: onCurrent, ...configured });
    expect(first.record?.outcome).toBe('succeeded');
    expect((await stages(onCurrent))[first.out.VersionId as string]).toEqual(['AWSCURRENT', 'AWSPENDING']);
    const second = await rotate({ SecretId: onCurrent });
    expect(second.record).toMatchObject({ versionId: second.out.VersionId, outcome: 'succeeded' });

    const nowhere = await secret();
    behaviour = async () => undefined;
    await rotate({ SecretId: nowhere, ...configured, RotateImmediately: false });
    expect(holder(await stages(nowhere), 'AWSPENDING')).toBeUndefined();
    behaviour = rotateForReal;
    expect((await rotate({ SecretId: nowhere })).record?.outcome).toBe('succeeded');
  });
});

describe('RotateSecret with RotateImmediately false', () => {
  it('"This test creates an AWSPENDING version of the secret and then removes it", whether testSecret passed or not', async () => {
    const name = await secret();
    const current = holder(await stages(name), 'AWSCURRENT') as string;
    for (const fails of [false, true]) {
      behaviour = async () => {
        if (fails) throw new Error('testSecret failed');
      };
      const { out, record } = await rotate({ SecretId: name, ...configured, RotateImmediately: false });
      expect(record).toMatchObject({ outcome: fails ? 'failed' : 'succeeded', steps: [{ step: 'testSecret' }] });
      expect(await stages(name)).toEqual({ [current]: ['AWSCURRENT'] });
      const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
      expect(all.Versions?.find((v) => v.VersionId === out.VersionId)?.VersionStages).toEqual([]);
    }
  });
});

describe('the rotation configuration', () => {
  it('is absent until RotateSecret sets it: "If the secret has never been configured for rotation, Secrets Manager returns null"', async () => {
    const described = await sm.send(new DescribeSecretCommand({ SecretId: await secret() }));
    expect(described.RotationEnabled).toBeUndefined();
    expect(described.NextRotationDate).toBeUndefined();
  });

  it('"You tried to enable rotation on a secret that doesn\'t already have a Lambda function ARN configured and you didn\'t include such an ARN": InvalidRequestException, nothing created', async () => {
    const name = await secret();
    const before = await stages(name);
    expect(await refusal({ SecretId: name })).toBeInstanceOf(InvalidRequestException);
    expect(await stages(name)).toEqual(before);
    expect(invoked).toEqual([]);
  });

  it('"If you don\'t include the configuration parameters, the operation starts a rotation with the values already stored in the secret"', async () => {
    const name = await secret();
    await rotate({ SecretId: name, ...configured, RotateImmediately: false });
    invoked = [];
    const { record } = await rotate({ SecretId: name });
    expect(record).toMatchObject({ functionArn: FUNCTION_ARN, outcome: 'succeeded' });
    expect(invoked.map((e) => e.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({ RotationLambdaARN: FUNCTION_ARN, RotationRules: configured.RotationRules });
  });

  it('a successful rotation sets LastRotatedDate, and NextRotationDate AutomaticallyAfterDays later; "If rotation is unsuccessful, this date may be in the past": a failed one moves neither', async () => {
    const name = await secret();
    sandbox().clock.advance(DAY);
    const rotatedAt = sandbox().clock.nowMs();
    await rotate({ SecretId: name, RotationLambdaARN: FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 7 } });
    const after = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(Math.abs((after.LastRotatedDate as Date).getTime() - rotatedAt)).toBeLessThan(2_000);
    expect((after.NextRotationDate as Date).getTime() - (after.LastRotatedDate as Date).getTime()).toBe(7 * DAY);

    sandbox().clock.advance(8 * DAY);
    behaviour = async () => {
      throw new Error('down');
    };
    expect((await rotate({ SecretId: name })).record?.outcome).toBe('failed');
    const failed = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(failed.LastRotatedDate).toEqual(after.LastRotatedDate);
    expect(failed.NextRotationDate).toEqual(after.NextRotationDate);
    expect((failed.NextRotationDate as Date).getTime()).toBeLessThan(sandbox().clock.nowMs());
  });

  it('refuses a function the sandbox cannot invoke, and malformed requests, before changing anything', async () => {
    const name = await secret();
    const before = await stages(name);
    const unknown = `${FUNCTION_ARN}-unknown`;
    expect(await refusal({ SecretId: name, RotationLambdaARN: unknown })).toBeInstanceOf(ResourceNotFoundException);
    // ClientRequestToken: 32 to 64 characters.
    expect(await refusal({ SecretId: name, ...configured, ClientRequestToken: 'short' })).toBeInstanceOf(
      InvalidParameterException,
    );
    for (const AutomaticallyAfterDays of [0, 1001]) {
      const error = await refusal({
        SecretId: name,
        RotationLambdaARN: FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays },
      });
      expect(error).toBeInstanceOf(InvalidParameterException);
    }
    // "with AutomaticallyAfterDays or ScheduleExpression, but not both"
    const both = { AutomaticallyAfterDays: 1, ScheduleExpression: 'rate(1 days)' };
    expect(await refusal({ SecretId: name, RotationLambdaARN: FUNCTION_ARN, RotationRules: both })).toBeInstanceOf(
      InvalidParameterException,
    );
    expect(await stages(name)).toEqual(before);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).RotationEnabled).toBeUndefined();
    expect(invoked).toEqual([]);
  });
});

describe('the rotation process', () => {
  it('"Rotation is an asynchronous process": RotateSecret answers before the rotation function\'s first step ends', async () => {
    const name = await secret();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    behaviour = async (event) => {
      if (event.Step === 'createSecret') await held;
      await rotateForReal(event);
    };
    const out = await sm.send(new RotateSecretCommand({ SecretId: name, ...configured }));
    expect(secrets.rotations(name).at(-1)).toMatchObject({ versionId: out.VersionId, outcome: 'running' });
    expect((await stages(name))[out.VersionId as string]).toEqual(['AWSPENDING']);
    release();
    await secrets.rotationsSettled();
    expect(secrets.rotations(name).at(-1)?.outcome).toBe('succeeded');
  });

  it('the empty version: GetSecretValue answers ResourceNotFoundException; PutSecretValue gives it its first value once, keeping its labels', async () => {
    const name = await secret();
    behaviour = async () => {
      throw new Error('down');
    };
    const { out } = await rotate({ SecretId: name, ...configured });
    const token = out.VersionId as string;
    const read = sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token }));
    await expect(read).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(read).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const put = await sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        ClientRequestToken: token,
        SecretString: 'new',
        VersionStages: ['X'],
      }),
    );
    expect([...(put.VersionStages ?? [])].sort()).toEqual(['AWSPENDING', 'X']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token }))).SecretString).toBe('new');
    // From then on it is like any other version: "you can't modify an existing version".
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, SecretString: 'other' })),
    ).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it('the schedule starts a rotation once NextRotationDate has come, and leaves a secret whose rotation is in progress to its retry', async () => {
    const due = await secret();
    const stuck = await secret();
    const later = await secret();
    await rotate({
      SecretId: due,
      RotationLambdaARN: FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 1 },
      RotateImmediately: false,
    });
    await rotate({
      SecretId: later,
      RotationLambdaARN: FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 3 },
      RotateImmediately: false,
    });
    behaviour = async () => {
      throw new Error('down');
    };
    await rotate({ SecretId: stuck, RotationLambdaARN: FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 1 } });
    behaviour = rotateForReal;
    expect(secrets.rotateDueSecrets()).toEqual([]);

    sandbox().clock.advance(DAY + 60_000);
    invoked = [];
    const started = secrets.rotateDueSecrets();
    await secrets.rotationsSettled();
    const arnOf = async (name: string) => (await sm.send(new DescribeSecretCommand({ SecretId: name }))).ARN;
    expect(started.map((r) => [r.secretArn, r.trigger, r.outcome])).toEqual([
      [await arnOf(due), 'schedule', 'succeeded'],
    ]);
    expect(new Set(invoked.map((e) => e.SecretId))).toEqual(new Set([await arnOf(due)]));

    const retried = secrets.retryRotation(stuck);
    await secrets.rotationsSettled();
    expect(retried).toMatchObject({ trigger: 'retry', outcome: 'succeeded' });
    expect(holder(await stages(stuck), 'AWSCURRENT')).toBe(retried.versionId);
  });
});
