import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../support/aws-clients';
import { request, useSandbox } from '../support/sandbox';

// Each test pins one rule of the Secrets Manager API reference on versions and staging labels, quoted in its
// name or in a comment, through the real SDK over HTTP.

const sandbox = useSandbox();
let sm: SecretsManagerClient;
beforeAll(() => {
  sm = secretsManagerClient(sandbox());
});

async function createSecret(value?: string): Promise<{ name: string; arn: string; versionId: string }> {
  const name = `staging/${randomUUID()}`;
  const out = await sm.send(
    new CreateSecretCommand({ Name: name, ...(value !== undefined ? { SecretString: value } : {}) }),
  );
  return { name, arn: out.ARN as string, versionId: out.VersionId as string };
}

async function put(
  name: string,
  value: string,
  extra: Omit<Partial<PutSecretValueCommandInput>, 'SecretId' | 'SecretString'> = {},
): Promise<{ versionId: string; stages: string[] }> {
  const out = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, ...extra }));
  return { versionId: out.VersionId as string, stages: [...(out.VersionStages ?? [])].sort() };
}

function updateStage(input: Omit<UpdateSecretVersionStageCommandInput, 'SecretId'> & { SecretId: string }) {
  return sm.send(new UpdateSecretVersionStageCommand(input));
}

/** DescribeSecret's VersionIdsToStages, labels sorted so the order AWS lists them in does not matter. */
async function stages(name: string): Promise<Record<string, string[]>> {
  const map = (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
  return Object.fromEntries(Object.entries(map).map(([id, labels]) => [id, [...labels].sort()]));
}

async function listed(name: string, includeDeprecated: boolean): Promise<Record<string, string[]>> {
  const out = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: includeDeprecated }));
  return Object.fromEntries((out.Versions ?? []).map((v) => [v.VersionId as string, [...(v.VersionStages ?? [])]]));
}

async function lastChanged(name: string): Promise<number> {
  return ((await sm.send(new DescribeSecretCommand({ SecretId: name }))).LastChangedDate as Date).getTime();
}

describe('PutSecretValue', () => {
  it('"If this operation creates the first version for the secret, then Secrets Manager automatically attaches the staging label AWSCURRENT to it", even when VersionStages is [AWSPENDING]', async () => {
    const { name } = await createSecret();
    const token = randomUUID();
    const first = await put(name, 'first', { ClientRequestToken: token, VersionStages: ['AWSPENDING'] });
    expect(first).toEqual({ versionId: token, stages: ['AWSCURRENT', 'AWSPENDING'] });
    expect(await stages(name)).toEqual({ [token]: ['AWSCURRENT', 'AWSPENDING'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('first');
  });

  it('attaches AWSCURRENT to a first version labelled only with a label of its own, and to one without VersionStages', async () => {
    const custom = await createSecret();
    expect((await put(custom.name, 'x', { VersionStages: ['CUSTOM'] })).stages).toEqual(['AWSCURRENT', 'CUSTOM']);
    const plain = await createSecret();
    expect((await put(plain.name, 'x')).stages).toEqual(['AWSCURRENT']);
  });

  it('"If you don\'t include VersionStages, then Secrets Manager automatically moves the staging label AWSCURRENT to this version", and AWSPREVIOUS follows to the version AWSCURRENT left', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const v2 = await put(name, 'v2');
    expect(v2.stages).toEqual(['AWSCURRENT']);
    expect(await stages(name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2.versionId]: ['AWSCURRENT'] });
    const v3 = await put(name, 'v3');
    // v1 lost AWSPREVIOUS, its only label: deprecated.
    expect(await stages(name)).toEqual({ [v2.versionId]: ['AWSPREVIOUS'], [v3.versionId]: ['AWSCURRENT'] });
  });

  it('"If another version of this secret already exists, then this operation does not automatically move any staging labels other than those that you explicitly specify in the VersionStages parameter"', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const v2 = await put(name, 'v2');
    const custom = await put(name, 'custom', { VersionStages: ['CUSTOM'] });
    expect(custom.stages).toEqual(['CUSTOM']);
    expect(await stages(name)).toEqual({
      [v1]: ['AWSPREVIOUS'],
      [v2.versionId]: ['AWSCURRENT'],
      [custom.versionId]: ['CUSTOM'],
    });
  });

  it('"If you specify a staging label that\'s already associated with a different version of the same secret, then Secrets Manager removes the label from the other version and attaches it to this version"', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const a = await put(name, 'a', { VersionStages: ['AWSPENDING', 'CUSTOM'] });
    const b = await put(name, 'b', { VersionStages: ['CUSTOM'] });
    const c = await put(name, 'c', { VersionStages: ['AWSPENDING'] });
    // No RemoveFromVersionId is needed here, unlike UpdateSecretVersionStage; `a` lost both labels.
    expect(await stages(name)).toEqual({
      [v1]: ['AWSCURRENT'],
      [b.versionId]: ['CUSTOM'],
      [c.versionId]: ['AWSPENDING'],
    });
    expect((await listed(name, true))[a.versionId]).toEqual([]);
  });

  it('"If you specify AWSCURRENT, and it is already attached to another version, then Secrets Manager also moves the staging label AWSPREVIOUS to the version that AWSCURRENT was removed from"', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const v2 = await put(name, 'v2');
    const v3 = await put(name, 'v3', { VersionStages: ['AWSCURRENT', 'AWSPENDING'] });
    expect(v3.stages).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(await stages(name)).toEqual({
      [v2.versionId]: ['AWSPREVIOUS'],
      [v3.versionId]: ['AWSCURRENT', 'AWSPENDING'],
    });
    expect((await listed(name, true))[v1]).toEqual([]);
  });

  it('"If you call this operation with a ClientRequestToken that matches an existing version\'s VersionId, and you specify the same secret data, the operation succeeds but does nothing"', async () => {
    const { name, versionId: current } = await createSecret('current');
    const token = randomUUID();
    await put(name, 'pending', { ClientRequestToken: token, VersionStages: ['AWSPENDING'] });
    const before = await stages(name);
    const changed = await lastChanged(name);
    sandbox().clock.advance(5_000);
    // A retry without VersionStages would move AWSCURRENT if it were a new version; it is not.
    const replay = await put(name, 'pending', { ClientRequestToken: token });
    expect(replay).toEqual({ versionId: token, stages: ['AWSPENDING'] });
    const again = await put(name, 'pending', { ClientRequestToken: token, VersionStages: ['AWSCURRENT'] });
    expect(again.stages).toEqual(['AWSPENDING']);
    expect(await stages(name)).toEqual(before);
    expect(before[current]).toEqual(['AWSCURRENT']);
    expect(await lastChanged(name)).toBe(changed);
  });

  it('"if the secret data is different, then the operation fails because you can\'t modify an existing version", whichever label the version holds', async () => {
    const { name, arn, versionId: current } = await createSecret('current');
    const pending = randomUUID();
    await put(name, 'pending', { ClientRequestToken: pending, VersionStages: ['AWSPENDING'] });
    for (const token of [pending, current]) {
      const attempt = put(name, 'other', { ClientRequestToken: token, VersionStages: ['AWSPENDING'] });
      await expect(attempt).rejects.toBeInstanceOf(ResourceExistsException);
      await expect(attempt).rejects.toThrow(
        `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`,
      );
    }
    // The same text as SecretBinary is different data too.
    await expect(
      sm.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretBinary: Buffer.from('pending'),
          ClientRequestToken: pending,
          VersionStages: ['AWSPENDING'],
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    expect(
      (await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).SecretString,
    ).toBe('pending');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('current');
  });
});

describe('UpdateSecretVersionStage', () => {
  it('"Each staging label can be attached to only one version at a time": a moved label leaves its old holder', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const a = await put(name, 'a', { VersionStages: ['AWSPENDING', 'CUSTOM'] });
    const b = await put(name, 'b', { VersionStages: ['OTHER'] });
    await updateStage({
      SecretId: name,
      VersionStage: 'CUSTOM',
      MoveToVersionId: b.versionId,
      RemoveFromVersionId: a.versionId,
    });
    expect(await stages(name)).toEqual({
      [v1]: ['AWSCURRENT'],
      [a.versionId]: ['AWSPENDING'],
      [b.versionId]: ['CUSTOM', 'OTHER'],
    });
  });

  it('RemoveFromVersionId: "If the label is attached and you either do not specify this parameter, or the version ID does not match, then the operation fails", for every label', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const a = await put(name, 'a', { VersionStages: ['AWSPENDING', 'CUSTOM'] });
    const b = await put(name, 'b', { VersionStages: ['OTHER'] });
    const before = await stages(name);
    for (const stage of ['AWSCURRENT', 'AWSPENDING', 'CUSTOM']) {
      const missing = updateStage({ SecretId: name, VersionStage: stage, MoveToVersionId: b.versionId });
      await expect(missing).rejects.toBeInstanceOf(InvalidParameterException);
      await expect(missing).rejects.toThrow(/RemoveFromVersionId can't be empty/);
      await expect(
        updateStage({
          SecretId: name,
          VersionStage: stage,
          MoveToVersionId: b.versionId,
          RemoveFromVersionId: b.versionId,
        }),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    }
    // Removing a label from a version that does not hold it, or a label no version holds, fails the same way.
    await expect(
      updateStage({ SecretId: name, VersionStage: 'CUSTOM', RemoveFromVersionId: v1 }),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      updateStage({ SecretId: name, VersionStage: 'NOWHERE', RemoveFromVersionId: v1 }),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect(await stages(name)).toEqual(before);
    // Naming the version that already holds the label needs no RemoveFromVersionId: nothing moves.
    await updateStage({ SecretId: name, VersionStage: 'CUSTOM', MoveToVersionId: a.versionId });
    expect(await stages(name)).toEqual(before);
  });

  it('refuses to remove AWSCURRENT without moving it: "You can move the AWSCURRENT staging label to this version by including it in this call"', async () => {
    const { name, versionId } = await createSecret('v1');
    const attempt = updateStage({ SecretId: name, VersionStage: 'AWSCURRENT', RemoveFromVersionId: versionId });
    await expect(attempt).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(attempt).rejects.toThrow(/You can only move staging label AWSCURRENT to a different secret version/);
    expect(await stages(name)).toEqual({ [versionId]: ['AWSCURRENT'] });
  });

  it('"Whenever you move AWSCURRENT, Secrets Manager automatically moves the label AWSPREVIOUS to the version that AWSCURRENT was removed from", also when rolling back to the AWSPREVIOUS version', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const v2 = await put(name, 'v2', { VersionStages: ['AWSPENDING'] });
    await updateStage({
      SecretId: name,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: v2.versionId,
      RemoveFromVersionId: v1,
    });
    expect(await stages(name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2.versionId]: ['AWSCURRENT', 'AWSPENDING'] });
    await updateStage({
      SecretId: name,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: v1,
      RemoveFromVersionId: v2.versionId,
    });
    expect(await stages(name)).toEqual({ [v1]: ['AWSCURRENT'], [v2.versionId]: ['AWSPENDING', 'AWSPREVIOUS'] });
  });

  it('"If this action results in the last label being removed from a version, then the version is considered to be \'deprecated\'"', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const pending = await put(name, 'pending', { VersionStages: ['AWSPENDING'] });
    await updateStage({ SecretId: name, VersionStage: 'AWSPENDING', RemoveFromVersionId: pending.versionId });
    // DescribeSecret's VersionIdsToStages: "A list of the versions of the secret that have staging labels attached."
    expect(await stages(name)).toEqual({ [v1]: ['AWSCURRENT'] });
    // IncludeDeprecated: "By default, versions without staging labels aren't included."
    expect(await listed(name, false)).toEqual({ [v1]: ['AWSCURRENT'] });
    expect(await listed(name, true)).toEqual({ [v1]: ['AWSCURRENT'], [pending.versionId]: [] });
  });

  it('updates LastChangedDate, "The last date and time that this secret was modified in any way"', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    const v2 = await put(name, 'v2', { VersionStages: ['AWSPENDING'] });
    const before = await lastChanged(name);
    sandbox().clock.advance(5_000);
    await updateStage({
      SecretId: name,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: v2.versionId,
      RemoveFromVersionId: v1,
    });
    expect(await lastChanged(name)).toBeGreaterThan(before);
  });

  it('answers ResourceNotFoundException for a version the secret does not have', async () => {
    const { name, versionId } = await createSecret('v1');
    await expect(
      updateStage({ SecretId: name, VersionStage: 'CUSTOM', MoveToVersionId: randomUUID() }),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      updateStage({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: versionId,
        RemoveFromVersionId: randomUUID(),
      }),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('CreateSecret', () => {
  it('"If you include SecretString or SecretBinary then Secrets Manager creates an initial secret version and automatically attaches the staging label AWSCURRENT to it"', async () => {
    const name = `staging/${randomUUID()}`;
    const token = randomUUID();
    const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token }));
    expect(out.VersionId).toBe(token);
    expect(out.ReplicationStatus).toBeUndefined();
    expect(await stages(name)).toEqual({ [token]: ['AWSCURRENT'] });
  });

  it('creates no version without a value, so there is nothing to read until the first PutSecretValue', async () => {
    const name = `staging/${randomUUID()}`;
    const out = await sm.send(new CreateSecretCommand({ Name: name, ClientRequestToken: randomUUID() }));
    expect(out.VersionId).toBeUndefined();
    expect(await stages(name)).toEqual({});
    expect(await listed(name, true)).toEqual({});
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name }))).rejects.toThrow(
      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
  });

  it('ClientRequestToken: "If a version with this value already exists and the version SecretString and SecretBinary values are the same as those in the request, then the request is ignored"', async () => {
    const name = `staging/${randomUUID()}`;
    const token = randomUUID();
    const first = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token }));
    const retry = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token }));
    expect(retry).toMatchObject({ ARN: first.ARN, Name: name, VersionId: token });
    expect(await stages(name)).toEqual({ [token]: ['AWSCURRENT'] });
    await expect(
      sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v2', ClientRequestToken: token })),
    ).rejects.toThrow(`You can't use ClientRequestToken ${token}`);
    await expect(
      sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: randomUUID() })),
    ).rejects.toThrow(`The operation failed because the secret ${name} already exists.`);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v1');
  });
});

describe('GetSecretValue', () => {
  it('"If you don\'t specify either a VersionStage or VersionId, then Secrets Manager returns the AWSCURRENT version"', async () => {
    const { name } = await createSecret('v1');
    const v2 = await put(name, 'v2');
    await put(name, 'pending', { VersionStages: ['AWSPENDING'] });
    const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(out).toMatchObject({ VersionId: v2.versionId, SecretString: 'v2', VersionStages: ['AWSCURRENT'] });
  });

  it('reads a deprecated version by its VersionId until Secrets Manager removes it', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    await put(name, 'v2');
    await put(name, 'v3');
    expect((await listed(name, true))[v1]).toEqual([]);
    const out = await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: v1 }));
    expect(out).toMatchObject({ VersionId: v1, SecretString: 'v1', VersionStages: [] });
  });

  it('VersionId and VersionStage: "the two parameters must refer to the same secret version"', async () => {
    const { name, versionId: v1 } = await createSecret('v1');
    await put(name, 'v2');
    expect(
      (await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: v1, VersionStage: 'AWSPREVIOUS' })))
        .SecretString,
    ).toBe('v1');
    const mismatch = sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: v1, VersionStage: 'AWSCURRENT' }));
    await expect(mismatch).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(mismatch).rejects.toThrow(
      'You provided a VersionStage that is not associated to the provided VersionId.',
    );
    const unknown = randomUUID();
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: unknown }))).rejects.toThrow(
      `Secrets Manager can't find the specified secret value for VersionId: ${unknown}`,
    );
  });
});

describe('TagResource', () => {
  it('"Tags are part of the secret\'s metadata. They are not associated with specific versions of the secret": labels stay, LastChangedDate moves', async () => {
    const { name, versionId } = await createSecret('v1');
    const pending = await put(name, 'pending', { VersionStages: ['AWSPENDING'] });
    const before = await lastChanged(name);
    sandbox().clock.advance(5_000);
    await sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'team', Value: 'payments' }] }));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
    expect(await stages(name)).toEqual({ [versionId]: ['AWSCURRENT'], [pending.versionId]: ['AWSPENDING'] });
    expect((described.LastChangedDate as Date).getTime()).toBeGreaterThan(before);
  });
});

describe('errors', () => {
  it('answers ResourceNotFoundException with HTTP 400 and __type, as the API reference lists it', async () => {
    const error = await sm.send(new DescribeSecretCommand({ SecretId: `staging/${randomUUID()}` })).catch((e) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    const raw = await request(sandbox().aws.endpointUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.DescribeSecret' },
      body: JSON.stringify({ SecretId: 'staging/missing' }),
    });
    expect(raw.status).toBe(400);
    expect(raw.body).toEqual({
      __type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
  });
});

// Last in the file: it moves the shared clock a day forward.
describe('version retention', () => {
  it('"Secrets Manager removes outdated versions when there are more than 100, but it does not remove versions created less than 24 hours ago"', async () => {
    const { name, versionId: first } = await createSecret('v0');
    const written = [first];
    for (let i = 1; i <= 104; i += 1) written.push((await put(name, `v${i}`)).versionId);
    const count = async () => {
      let total = 0;
      let NextToken: string | undefined;
      do {
        const out = await sm.send(
          new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, NextToken }),
        );
        total += out.Versions?.length ?? 0;
        NextToken = out.NextToken;
      } while (NextToken);
      return total;
    };
    // 105 versions, all younger than a day: every one is kept.
    expect(await count()).toBe(105);
    sandbox().clock.advance(25 * 60 * 60 * 1000);
    const latest = await put(name, 'after a day');
    // 106 versions: the six oldest deprecated ones go, labelled ones stay.
    expect(await count()).toBe(100);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: first }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: written[6] }))).SecretString).toBe(
      'v6',
    );
    expect(await stages(name)).toEqual({
      [written[104] as string]: ['AWSPREVIOUS'],
      [latest.versionId]: ['AWSCURRENT'],
    });
  });
});
