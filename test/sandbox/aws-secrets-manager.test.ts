import { randomUUID } from 'node:crypto';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../support/aws-clients';
import { useSandbox } from '../support/sandbox';

const sandbox = useSandbox();
let sm: SecretsManagerClient;
beforeAll(() => {
  sm = secretsManagerClient(sandbox());
});

async function createSecret(value = 'v1', extra: Partial<ConstructorParameters<typeof CreateSecretCommand>[0]> = {}) {
  const name = `test/${randomUUID()}`;
  const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: value, ...extra }));
  return { name, arn: out.ARN as string, versionId: out.VersionId as string };
}

async function stages(name: string): Promise<Record<string, string[]>> {
  return (await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
}

describe('CreateSecret / DescribeSecret / GetSecretValue', () => {
  it('creates a secret whose first version is AWSCURRENT, readable by name, ARN and partial ARN', async () => {
    const { name, arn, versionId } = await createSecret('hello', {
      KmsKeyId: 'alias/test',
      Description: 'd',
      Tags: [{ Key: 'app', Value: 'rotator' }],
    });
    expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:\\d{12}:secret:${name}-[A-Za-z0-9]{6}$`));
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).toMatchObject({
      Name: name,
      KmsKeyId: 'alias/test',
      Description: 'd',
      Tags: [{ Key: 'app', Value: 'rotator' }],
      VersionIdsToStages: { [versionId]: ['AWSCURRENT'] },
    });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    for (const id of [name, arn, arn.slice(0, -7)]) {
      expect((await sm.send(new GetSecretValueCommand({ SecretId: id }))).SecretString).toBe('hello');
    }
  });

  it('refuses a duplicate name and raises ResourceNotFoundException for unknown secrets and stages', async () => {
    const { name } = await createSecret();
    await expect(sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }))).rejects.toBeInstanceOf(
      ResourceExistsException,
    );
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'no/such/secret' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }))).rejects.toThrow(
      /staging label: AWSPENDING/,
    );
  });

  it('reads by VersionId and insists the version carries the requested stage', async () => {
    const { name, versionId } = await createSecret('first');
    const put = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }))).SecretString).toBe(
      'first',
    );
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }))).VersionId).toBe(
      versionId,
    );
    // "If you include both this parameter and VersionStage, the two parameters must refer to the same secret
    // version": the version exists, so the mismatch is an invalid request, not a missing resource.
    await expect(
      sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId, VersionStage: 'AWSCURRENT' })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    expect(
      (
        await sm.send(
          new GetSecretValueCommand({ SecretId: name, VersionId: put.VersionId, VersionStage: 'AWSCURRENT' }),
        )
      ).SecretString,
    ).toBe('second');
  });

  it('refuses invalid input with InvalidParameterException', async () => {
    await expect(sm.send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'x' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      sm.send(new CreateSecretCommand({ Name: `t/${randomUUID()}`, SecretString: 'x'.repeat(65_537) })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('PutSecretValue', () => {
  it('makes the new version AWSCURRENT and the old one AWSPREVIOUS by default', async () => {
    const { name, versionId: v1 } = await createSecret();
    const { VersionId: v2 } = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }));
    const { VersionId: v3 } = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v3' }));
    expect(await stages(name)).toEqual({ [v2 as string]: ['AWSPREVIOUS'], [v3 as string]: ['AWSCURRENT'] });
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(all.Versions?.find((v) => v.VersionId === v1)?.VersionStages).toEqual([]);
  });

  it('stages a version as AWSPENDING without touching AWSCURRENT', async () => {
    const { name, versionId } = await createSecret('current');
    const token = randomUUID();
    const out = await sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'pending',
        ClientRequestToken: token,
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(out).toMatchObject({ VersionId: token, VersionStages: ['AWSPENDING'] });
    expect(await stages(name)).toEqual({ [versionId]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('current');
  });

  it('treats the same ClientRequestToken with the same value as a no-op and with another value as ResourceExistsException', async () => {
    const { name } = await createSecret();
    const token = randomUUID();
    await sm.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'same',
        ClientRequestToken: token,
        VersionStages: ['AWSPENDING'],
      }),
    );
    const again = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'same', ClientRequestToken: token }),
    );
    expect(again.VersionStages).toEqual(['AWSPENDING']);
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'different', ClientRequestToken: token })),
    ).rejects.toBeInstanceOf(ResourceExistsException);
    expect(sandbox().aws.api.secretsManager.valueAt(name, 'AWSPENDING')).toBe('same');
  });

  it('moves AWSPENDING to a newer pending version', async () => {
    const { name } = await createSecret();
    const a = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'a', VersionStages: ['AWSPENDING'] }),
    );
    const b = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'b', VersionStages: ['AWSPENDING'] }),
    );
    const map = await stages(name);
    expect(map[b.VersionId as string]).toEqual(['AWSPENDING']);
    expect(map[a.VersionId as string]).toBeUndefined();
  });
});

describe('UpdateSecretVersionStage', () => {
  it('moving AWSCURRENT leaves AWSPREVIOUS on the old version', async () => {
    const { name, versionId: old } = await createSecret('old');
    const pending = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'new', VersionStages: ['AWSPENDING'] }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: old,
      }),
    );
    expect(await stages(name)).toEqual({
      [old]: ['AWSPREVIOUS'],
      [pending.VersionId as string]: ['AWSPENDING', 'AWSCURRENT'],
    });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: pending.VersionId,
      }),
    );
    expect(await stages(name)).toEqual({ [old]: ['AWSPREVIOUS'], [pending.VersionId as string]: ['AWSCURRENT'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('new');
  });

  it('requires RemoveFromVersionId to name the current holder, which makes promotion a compare-and-swap', async () => {
    const { name, versionId: old } = await createSecret('old');
    const a = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'a', VersionStages: ['AWSPENDING'] }),
    );
    await expect(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: a.VersionId,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: a.VersionId,
        RemoveFromVersionId: old,
      }),
    );
    const b = await sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'b', VersionStages: ['AWSPENDING'] }),
    );
    // A second writer that still believes `old` is current loses.
    await expect(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: b.VersionId,
          RemoveFromVersionId: old,
        }),
      ),
    ).rejects.toThrow(/attached to version/);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('a');
  });

  it('refuses to remove AWSCURRENT and to move to an unknown version', async () => {
    const { name, versionId } = await createSecret();
    await expect(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSCURRENT',
          RemoveFromVersionId: versionId,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: name,
          VersionStage: 'AWSPENDING',
          MoveToVersionId: randomUUID(),
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('ListSecretVersionIds', () => {
  it('lists labelled versions, deprecated ones on request, and pages', async () => {
    const { name } = await createSecret();
    for (let i = 0; i < 4; i += 1) await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: `v${i}` }));
    expect((await sm.send(new ListSecretVersionIdsCommand({ SecretId: name }))).Versions).toHaveLength(2);
    const first = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, MaxResults: 3 }),
    );
    expect(first.Versions).toHaveLength(3);
    const second = await sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: name,
        IncludeDeprecated: true,
        MaxResults: 3,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Versions).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('ListSecrets and BatchGetSecretValue', () => {
  const prefix = `list-${Date.now()}`;
  beforeAll(async () => {
    await sm.send(
      new CreateSecretCommand({
        Name: `${prefix}/alpha`,
        SecretString: 'A',
        Tags: [{ Key: 'managed-by', Value: 'bigcommerce-token-rotator' }],
      }),
    );
    await sm.send(
      new CreateSecretCommand({
        Name: `${prefix}/beta`,
        SecretString: 'B',
        Tags: [{ Key: 'managed-by', Value: 'someone-else' }],
      }),
    );
    await sm.send(new CreateSecretCommand({ Name: `${prefix}/gamma`, Description: 'no value yet' }));
  });

  it('filters by name prefix (also on words), tag key and value, with negation', async () => {
    const names = async (Filters: { Key: any; Values: string[] }[]) =>
      ((await sm.send(new ListSecretsCommand({ Filters }))).SecretList ?? []).map((s) => s.Name).sort();
    expect(await names([{ Key: 'name', Values: [prefix] }])).toEqual([
      `${prefix}/alpha`,
      `${prefix}/beta`,
      `${prefix}/gamma`,
    ]);
    expect(
      await names([
        { Key: 'name', Values: ['alp'] },
        { Key: 'name', Values: [prefix] },
      ]),
    ).toEqual([`${prefix}/alpha`]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'tag-value', Values: ['bigcommerce'] },
      ]),
    ).toEqual([`${prefix}/alpha`]);
    expect(
      await names([
        { Key: 'name', Values: [prefix] },
        { Key: 'tag-key', Values: ['!managed'] },
      ]),
    ).toEqual([`${prefix}/gamma`]);
    await expect(
      sm.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as any, Values: ['x'] }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('pages with MaxResults and NextToken and sorts by creation', async () => {
    const Filters = [{ Key: 'name' as const, Values: [prefix] }];
    const page1 = await sm.send(new ListSecretsCommand({ Filters, MaxResults: 2, SortOrder: 'desc' }));
    const page2 = await sm.send(
      new ListSecretsCommand({ Filters, MaxResults: 2, SortOrder: 'desc', NextToken: page1.NextToken }),
    );
    expect([...(page1.SecretList ?? []), ...(page2.SecretList ?? [])].map((s) => s.Name)).toEqual([
      `${prefix}/gamma`,
      `${prefix}/beta`,
      `${prefix}/alpha`,
    ]);
    expect(Object.values(page1.SecretList?.[1]?.SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
  });

  it('batch-reads by id list, reporting missing ones as errors', async () => {
    const out = await sm.send(
      new BatchGetSecretValueCommand({ SecretIdList: [`${prefix}/alpha`, 'missing/one', `${prefix}/gamma`] }),
    );
    expect(out.SecretValues?.map((v) => v.SecretString)).toEqual(['A']);
    expect(out.Errors?.map((e) => [e.SecretId, e.ErrorCode])).toEqual([
      ['missing/one', 'ResourceNotFoundException'],
      [`${prefix}/gamma`, 'ResourceNotFoundException'],
    ]);
  });

  it('batch-reads by filter and refuses ambiguous requests', async () => {
    const out = await sm.send(
      new BatchGetSecretValueCommand({ Filters: [{ Key: 'tag-value', Values: ['bigcommerce-token-rotator'] }] }),
    );
    expect(out.SecretValues?.map((v) => v.Name)).toEqual([`${prefix}/alpha`]);
    await expect(sm.send(new BatchGetSecretValueCommand({}))).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(
      sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['a'], Filters: [{ Key: 'name', Values: ['a'] }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('TagResource', () => {
  it('adds tags and overwrites existing keys', async () => {
    const { name } = await createSecret('x', { Tags: [{ Key: 'a', Value: '1' }] });
    await sm.send(
      new TagResourceCommand({
        SecretId: name,
        Tags: [
          { Key: 'a', Value: '2' },
          { Key: 'b', Value: '3' },
        ],
      }),
    );
    expect((await sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([
      { Key: 'a', Value: '2' },
      { Key: 'b', Value: '3' },
    ]);
  });
});

describe('AWS_ENDPOINT_URL', () => {
  it('points a default-configured client at the sandbox', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, sandbox().environment());
    try {
      const client = new SecretsManagerClient({});
      const { name } = await createSecret('via-env');
      expect((await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('via-env');
    } finally {
      process.env = saved;
    }
  });
});
