import type { RotatorConfig } from '../functions/config/types';
import type { SeededStore } from './bigcommerce/api';
import type { Sandbox } from './index';

/**
 * Does in the sandbox what `cdk deploy` does in an account, plus what the operator does once: each store
 * in the configuration exists at the simulated BigCommerce, its root-credential secret holds that store's
 * API account token, each managed token has its (empty) secret, and the event bus exists.
 */
export function provisionSandbox(sandbox: Sandbox, config: RotatorConfig): SeededStore[] {
  const bigcommerce = sandbox.bigcommerce.api;
  const secrets = sandbox.aws.api.secretsManager;
  const stores = config.stores.map((store) => {
    const seeded =
      bigcommerce.seeded.find((s) => s.storeHash === store.storeHash) ??
      bigcommerce.seedStore({ storeHash: store.storeHash });
    if (store.credentialsSecret && !secrets.find(store.credentialsSecret)) {
      secrets.operations.CreateSecret?.({
        Name: store.credentialsSecret,
        SecretString: JSON.stringify({ accessToken: seeded.accessToken }),
      });
    }
    if (store.b2bCredentialsSecret && !secrets.find(store.b2bCredentialsSecret)) {
      secrets.operations.CreateSecret?.({
        Name: store.b2bCredentialsSecret,
        SecretString: JSON.stringify(seeded.b2bAdmin),
      });
    }
    return seeded;
  });
  for (const token of config.tokens) {
    if (!secrets.find(token.secretName)) {
      secrets.operations.CreateSecret?.({
        Name: token.secretName,
        Description: `BigCommerce ${token.family} token ${token.id}`,
        Tags: [{ Key: 'managed-by', Value: 'bigcommerce-token-rotator' }],
      });
    }
  }
  sandbox.aws.api.eventBridge.createEventBus(config.eventBusName);
  return stores;
}
