import type { Sandbox } from '../../sandbox';
import type { RecordedEvent } from '../../sandbox/aws/event-bridge';

/**
 * The AWS state tests inspect and arrange, wherever it lives: in the sandbox's own Secrets Manager and
 * EventBridge, or in another implementation the sandbox forwards to. Asynchronous because the latter is
 * only reachable over the network.
 */
export interface AwsBackend {
  /** The SecretString of the version holding `stage`; undefined when no version holds it. */
  valueAt(secretId: string, stage?: string): Promise<string | undefined>;
  /** Each version of a secret, with its staging labels (none for deprecated versions). */
  stages(secretId: string): Promise<Map<string, string[]>>;
  /** Writes a new value and makes it AWSCURRENT, as an operator editing the secret by hand would. */
  putCurrent(secretId: string, secretString: string): Promise<void>;
  /** Events the bus accepted, oldest first; those on one bus when `busName` is given. */
  events(busName?: string): Promise<RecordedEvent[]>;
}

/** The in-process sandbox: reads happen synchronously, at the moment of the call. */
export function sandboxBackend(sandbox: Sandbox): AwsBackend {
  const secrets = sandbox.aws.api.secretsManager;
  return {
    valueAt: async (secretId, stage = 'AWSCURRENT') => secrets.valueAt(secretId, stage),
    stages: async (secretId) => {
      const secret = secrets.find(secretId);
      if (!secret) throw new Error(`no secret ${secretId}`);
      return new Map([...secret.versions.values()].map((v) => [v.versionId, [...v.stages]]));
    },
    putCurrent: async (secretId, secretString) => {
      secrets.operations.PutSecretValue?.({ SecretId: secretId, SecretString: secretString });
    },
    events: async (busName) => sandbox.aws.api.eventBridge.events(busName),
  };
}
