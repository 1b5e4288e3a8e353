import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerStoreCredentials } from '../../functions/aws/store-credentials';
import { CredentialsError } from '../../functions/rotation/store-credentials';

const stores = [
  { storeHash: 'store1', credentialsSecret: 'bigcommerce/store1/api-account' },
  { storeHash: 'store2', credentialsSecret: 'bigcommerce/store2/api-account' },
];

describe('SecretsManagerStoreCredentials', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('reads each store once however many rotations ask at the same moment', async () => {
    sm.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { SecretString: JSON.stringify({ accessToken: `token-of-${input.SecretId}` }) };
    });
    const credentials = new SecretsManagerStoreCredentials(new SecretsManagerClient({ region: 'us-east-1' }), stores);
    const tokens = await Promise.all(
      Array.from({ length: 40 }, (_, i) => credentials.accessToken(i % 2 === 0 ? 'store1' : 'store2')),
    );
    expect(new Set(tokens)).toEqual(
      new Set(['token-of-bigcommerce/store1/api-account', 'token-of-bigcommerce/store2/api-account']),
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('does not keep a failed read: the next rotation reads again', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: JSON.stringify({ accessToken: 'now-it-exists' }) });
    const credentials = new SecretsManagerStoreCredentials(new SecretsManagerClient({ region: 'us-east-1' }), stores);
    await expect(credentials.accessToken('store1')).rejects.toBeInstanceOf(CredentialsError);
    await expect(credentials.accessToken('store1')).resolves.toBe('now-it-exists');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads again after invalidate (BigCommerce refused the cached token)', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: 'value' }) });
    const credentials = new SecretsManagerStoreCredentials(new SecretsManagerClient({ region: 'us-east-1' }), stores);
    await credentials.accessToken('store1');
    await credentials.accessToken('store1');
    credentials.invalidate('store1');
    await credentials.accessToken('store1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  describe('a secret the function may not read (AccessDeniedException)', () => {
    const denied = () =>
      new SecretsManagerServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'User is not authorized to perform: secretsmanager:GetSecretValue',
        $metadata: {},
      });
    const b2bStore = [{ storeHash: 'store1', b2bCredentialsSecret: 'team/store1/b2b' }];

    it('fails naming the tag this stack and this credential need, and the command that puts it on', async () => {
      sm.on(GetSecretValueCommand).rejects(denied());
      const client = new SecretsManagerClient({ region: 'us-east-1' });
      const api = new SecretsManagerStoreCredentials(client, stores, { stackName: 'Prod' });
      await expect(api.accessToken('store1')).rejects.toMatchObject({
        name: 'CredentialsError',
        secretName: 'bigcommerce/store1/api-account',
        hint:
          'the functions of stack Prod read only root-credential secrets tagged bigcommerce-token-rotator:Prod=api-account: ' +
          'aws secretsmanager tag-resource --secret-id bigcommerce/store1/api-account --tags Key=bigcommerce-token-rotator:Prod,Value=api-account',
      });
      const b2b = new SecretsManagerStoreCredentials(client, b2bStore, { stackName: 'Prod' });
      await expect(b2b.b2bLogin('store1')).rejects.toMatchObject({
        hint: expect.stringContaining(
          '--secret-id team/store1/b2b --tags Key=bigcommerce-token-rotator:Prod,Value=b2b-login',
        ),
      });
    });

    it('without a stack (a local run), points at the deploying guide', async () => {
      sm.on(GetSecretValueCommand).rejects(denied());
      const credentials = new SecretsManagerStoreCredentials(new SecretsManagerClient({ region: 'us-east-1' }), stores);
      await expect(credentials.accessToken('store1')).rejects.toMatchObject({
        hint: expect.stringMatching(/tagged for its stack: tag bigcommerce\/store1\/api-account as docs\/deploying.md/),
      });
    });
  });
});
