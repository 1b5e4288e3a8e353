import { BatchGetSecretValueCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManagerClient } from '../support/aws-clients';
import { useRotator } from '../support/rotator';

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
