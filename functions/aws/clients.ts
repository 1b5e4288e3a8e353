import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClientOptions {
  /** Per attempt; the SDK retries up to 3 attempts in all. */
  requestTimeoutMs: number;
}

export const DEFAULT_AWS_CLIENT_OPTIONS: AwsClientOptions = { requestTimeoutMs: 5_000 };

/**
 * SDK clients, created once per container by the handler (warm invocations reuse their connections). A
 * hung AWS call must fail, not silently stall the function: the SDK's handler only warns on
 * `requestTimeout` unless told to throw. `AWS_ENDPOINT_URL` (the SDK's own setting) points them at the
 * local sandbox.
 */
export function createAwsClients(options: AwsClientOptions = DEFAULT_AWS_CLIENT_OPTIONS): {
  secretsManager: SecretsManagerClient;
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
} {
  const requestHandler = {
    connectionTimeout: Math.min(3_000, options.requestTimeoutMs),
    requestTimeout: options.requestTimeoutMs,
    throwOnRequestTimeout: true,
  };
  return {
    secretsManager: new SecretsManagerClient({ requestHandler, maxAttempts: 3 }),
    eventBridge: new EventBridgeClient({ requestHandler, maxAttempts: 3 }),
    // The queue's URL names the queue; requests go to the configured endpoint like every other client's.
    sqs: new SQSClient({ requestHandler, maxAttempts: 3, useQueueUrlAsEndpoint: false }),
  };
}
