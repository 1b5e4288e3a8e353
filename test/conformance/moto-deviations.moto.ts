import { randomUUID } from 'node:crypto';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../support/aws-clients';
import { useRotator } from '../support/rotator';
import { useSandboxWithAws } from '../support/sandbox';

/**
 * Where moto 5.2 departs from the Secrets Manager API reference in a way this product's tests meet, pinned so
 * the day moto follows the reference this fails and the exclusion it justifies (the call budget, see
 * jest.moto.config.js) is lifted. Runs in the conformance run only: the sandbox follows the reference.
 */
describe('moto 5.2 and the Secrets Manager API reference', () => {
  const rotator = useRotator();

  it('BatchGetSecretValue returns the version that was AWSCURRENT before an UpdateSecretVersionStage promotion', async () => {
    const h = rotator();
    await h.invoke({});
    const name = h.config.tokens[0]?.secretName as string;
    const client = secretsManagerClient(h.sandbox);
    // GetSecretValue: "If you don't specify either a VersionStage or VersionId, then Secrets Manager defaults
    // to AWSCURRENT." BatchGetSecretValue returns the same values.
    const current = await client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }));
    const batch = await client.send(new BatchGetSecretValueCommand({ SecretIdList: [name] }));
    expect(JSON.parse(current.SecretString as string).token).toEqual(expect.any(String));
    expect(batch.SecretValues?.[0]?.VersionId).not.toBe(current.VersionId);
    expect(batch.SecretValues?.[0]?.VersionStages).not.toContain('AWSCURRENT');
  });
});

/**
 * moto 5.2's RotateSecret, where it departs from the API reference: the sandbox follows the reference
 * (test/sandbox/aws-secrets-manager-rotate-secret.test.ts), and the conformance run's RotateSecret does what AWS
 * does through the test's own calls where moto does not (motoRotation in test/support/aws-backend.ts).
 */
describe('moto 5.2 and RotateSecret', () => {
  const started = useSandboxWithAws();
  let sm: SecretsManagerClient;
  let functionArn: string;
  beforeAll(async () => {
    sm = secretsManagerClient(started().sandbox, 1);
    // A function in moto's Docker-less Lambda: moto invokes it, and it does nothing.
    functionArn = await started().aws.registerRotationFunction('does-nothing', async () => undefined);
  });

  async function secret(): Promise<{ name: string; current: string }> {
    const name = `deviation/${randomUUID()}`;
    const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'first' }));
    return { name, current: out.VersionId as string };
  }

  async function holderOf(name: string, label: string): Promise<string | undefined> {
    const map = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
    return Object.keys(map).find((id) => map[id]?.includes(label));
  }

  it('refuses RotateSecret with AWSPENDING on the AWSCURRENT version and accepts it with AWSPENDING on another: the reverse of the reference', async () => {
    // "If the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT, then any
    // later invocation of RotateSecret assumes that a previous rotation request is still in progress".
    const onCurrent = await secret();
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: onCurrent.name,
        VersionStage: 'AWSPENDING',
        MoveToVersionId: onCurrent.current,
      }),
    );
    await expect(
      sm.send(new RotateSecretCommand({ SecretId: onCurrent.name, RotationLambdaARN: functionArn })),
    ).rejects.toBeInstanceOf(InvalidRequestException);

    const elsewhere = await secret();
    const pending = await sm.send(
      new PutSecretValueCommand({ SecretId: elsewhere.name, SecretString: 'pending', VersionStages: ['AWSPENDING'] }),
    );
    const token = randomUUID();
    await sm.send(
      new RotateSecretCommand({
        SecretId: elsewhere.name,
        ClientRequestToken: token,
        RotationLambdaARN: functionArn,
        RotateImmediately: false,
      }),
    );
    expect(await holderOf(elsewhere.name, 'AWSPENDING')).toBe(token);
    expect(pending.VersionId).not.toBe(token);
  });

  it("with RotateImmediately false tests with the value the secret was created with, keeps AWSPENDING on that version, and answers the current version's id", async () => {
    // "This test creates an AWSPENDING version of the secret and then removes it."
    const { name } = await secret();
    const { VersionId: current } = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));
    const token = randomUUID();
    const out = await sm.send(
      new RotateSecretCommand({
        SecretId: name,
        ClientRequestToken: token,
        RotationLambdaARN: functionArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
      }),
    );
    expect(await holderOf(name, 'AWSPENDING')).toBe(token);
    const tested = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token }));
    expect(tested.SecretString).toBe('first');
    // RotateSecret's VersionId: "The ID of the new version of the secret."
    expect(out.VersionId).toBe(current);
  });

  it('forgets the configured rotation function when RotationLambdaARN is left out, and moves AWSCURRENT to an empty version', async () => {
    // "If you don't include the configuration parameters, the operation starts a rotation with the values
    // already stored in the secret."
    const { name } = await secret();
    const token = randomUUID();
    await sm.send(
      new RotateSecretCommand({
        SecretId: name,
        ClientRequestToken: token,
        RotationLambdaARN: functionArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
      }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }),
    );
    const again = await sm.send(new RotateSecretCommand({ SecretId: name }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).RotationLambdaARN).toBeFalsy();
    expect(await holderOf(name, 'AWSCURRENT')).toBe(again.VersionId);
    await expect(
      sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('DescribeSecret lists a version that lost its last staging label', async () => {
    // VersionIdsToStages: "A list of the versions of the secret that have staging labels attached. Versions
    // that don't have staging labels are considered deprecated".
    const { name } = await secret();
    const staged = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'staged', VersionStages: ['AWSPENDING'] }),
    );
    const VersionId = staged.VersionId as string;
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: VersionId,
      }),
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.VersionIdsToStages?.[VersionId]).toEqual([]);
  });

  it('PutSecretValue replaces the value of a version holding AWSPENDING', async () => {
    // "if the secret data is different, then the operation fails because you can't modify an existing version"
    const { name } = await secret();
    const ClientRequestToken = randomUUID();
    const put = (SecretString: string) =>
      sm.send(
        new PutSecretValueCommand({ SecretId: name, ClientRequestToken, SecretString, VersionStages: ['AWSPENDING'] }),
      );
    await put('staged');
    await put('replaced');
    const read = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: ClientRequestToken }));
    expect(read.SecretString).toBe('replaced');
  });

  it('after RotateSecret with RotateImmediately true, BatchGetSecretValue fails as a whole while the new version is empty', async () => {
    // BatchGetSecretValue returns AWSCURRENT, which still holds the first value; a secret that cannot be read is
    // an entry in Errors, not a failed call.
    const { name } = await secret();
    await sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: functionArn }));
    await expect(sm.send(new BatchGetSecretValueCommand({ SecretIdList: [name] }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    const current = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }));
    expect(current.SecretString).toBe('first');
  });
});
