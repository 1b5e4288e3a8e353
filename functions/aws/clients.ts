import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * SDK clients created once per process (warm invocations reuse their connections). A hung AWS call must
 * fail, not silently stall the function: the SDK's handler only warns on `requestTimeout` unless told to
 * throw. `AWS_ENDPOINT_URL` (the SDK's own setting) points them at the local sandbox.
 */
const requestHandler = { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

let secretsManager: SecretsManagerClient | undefined;
let eventBridge: EventBridgeClient | undefined;

export function secretsManagerClient(): SecretsManagerClient {
  secretsManager ??= new SecretsManagerClient({ requestHandler, maxAttempts: 3 });
  return secretsManager;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient({ requestHandler, maxAttempts: 3 });
  return eventBridge;
}
