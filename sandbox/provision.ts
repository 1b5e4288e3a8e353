import { credentialsTag } from '../functions/config/credentials-tag';
import { FAMILY_ROTATOR, PRODUCT_NAME, type RotatorConfig } from '../functions/config/types';
import { placeholderValue } from '../functions/rotation/stored-token';
import type { SeededStore } from './bigcommerce/api';
import type { Sandbox } from './index';

/** A secret as the deployment (or, for root credentials, the operator) creates it. */
export interface SecretToCreate {
  name: string;
  /** Absent: the secret is created without a value (no version), as one created outside the stack may be. */
  secretString?: string;
  description?: string;
  tags?: { Key: string; Value: string }[];
}

/** The AWS resources a configuration needs before its first run. */
export interface AwsProvisioning {
  secrets: SecretToCreate[];
  eventBusName: string;
}

/**
 * Does in the sandbox what `cdk deploy` does in an account, plus what the operator does once: each store
 * in the configuration exists at the simulated BigCommerce, its root-credential secret holds that store's
 * API account token, each managed token has its secret holding the placeholder, and the event bus exists.
 */
export function provisionSandbox(sandbox: Sandbox, config: RotatorConfig): SeededStore[] {
  const stores = seedStores(sandbox, config);
  provisionInProcess(sandbox, awsProvisioning(config, stores));
  return stores;
}

/** The simulated BigCommerce side: every configured store exists. */
export function seedStores(sandbox: Sandbox, config: RotatorConfig): SeededStore[] {
  const bigcommerce = sandbox.bigcommerce.api;
  return config.stores.map(
    (store) =>
      bigcommerce.seeded.find((s) => s.storeHash === store.storeHash) ??
      bigcommerce.seedStore({ storeHash: store.storeHash }),
  );
}

/** The stack name the sandbox stands for, as `npx cdk deploy` names the stack by default. */
export const SANDBOX_STACK_NAME = 'BigCommerceTokenRotator';

/**
 * The AWS side, as data, so that any AWS implementation can be provisioned the same way. Token secrets
 * start with the placeholder, as the stack creates them: a secret's first version always becomes AWSCURRENT.
 * Every secret carries the tags it has in an account: the root credentials the one the README's create-secret
 * commands put on (credentialsTag), the token secrets the stack's (`<stack>/<function>`).
 */
export function awsProvisioning(
  config: RotatorConfig,
  stores: SeededStore[],
  stackName = SANDBOX_STACK_NAME,
): AwsProvisioning {
  const tagged = (credential: 'api-account' | 'b2b-login') => {
    const tag = credentialsTag(stackName, credential);
    return [{ Key: tag.key, Value: tag.value }];
  };
  const secrets: SecretToCreate[] = config.stores.flatMap((store, i) => {
    const seeded = stores[i] as SeededStore;
    return [
      ...(store.credentialsSecret
        ? [
            {
              name: store.credentialsSecret,
              secretString: JSON.stringify({ accessToken: seeded.accessToken }),
              tags: tagged('api-account'),
            },
          ]
        : []),
      ...(store.b2bCredentialsSecret
        ? [
            {
              name: store.b2bCredentialsSecret,
              secretString: JSON.stringify(seeded.b2bAdmin),
              tags: tagged('b2b-login'),
            },
          ]
        : []),
    ];
  });
  for (const token of config.tokens) {
    secrets.push({
      name: token.secretName,
      secretString: placeholderValue(token),
      description: `BigCommerce ${token.family} token ${token.id}`,
      tags: [{ Key: PRODUCT_NAME, Value: `${stackName}/${FAMILY_ROTATOR[token.family]}` }],
    });
  }
  // Stores may share a credentials secret: it is created once.
  const unique = secrets.filter((s, i) => secrets.findIndex((t) => t.name === s.name) === i);
  return { secrets: unique, eventBusName: config.eventBusName };
}

/** Creates the planned resources in the sandbox's own AWS, leaving those that exist alone. */
export function provisionInProcess(sandbox: Sandbox, plan: AwsProvisioning): void {
  const secrets = sandbox.aws.api.secretsManager;
  for (const secret of plan.secrets) {
    if (secrets.find(secret.name)) continue;
    secrets.operations.CreateSecret?.({
      Name: secret.name,
      ...(secret.secretString !== undefined ? { SecretString: secret.secretString } : {}),
      ...(secret.description ? { Description: secret.description } : {}),
      ...(secret.tags ? { Tags: secret.tags } : {}),
    });
  }
  sandbox.aws.api.eventBridge.createEventBus(plan.eventBusName);
}
