import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Sandbox } from '../../sandbox';

const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/** Real SDK clients pointed at the sandbox's AWS endpoints. */
export function secretsManagerClient(sandbox: Sandbox, maxAttempts = 3): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: sandbox.aws.endpointUrl,
    region: sandbox.aws.region,
    credentials,
    maxAttempts,
  });
}

export function eventBridgeClient(sandbox: Sandbox, maxAttempts = 3): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: sandbox.aws.endpointUrl,
    region: sandbox.aws.region,
    credentials,
    maxAttempts,
  });
}

export function sqsClient(sandbox: Sandbox): SQSClient {
  return new SQSClient({
    endpoint: sandbox.aws.endpointUrl,
    region: sandbox.aws.region,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
}
