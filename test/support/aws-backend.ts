import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Sandbox } from '../../sandbox';
import type { RecordedEvent } from '../../sandbox/aws/event-bridge';
import { type AwsProvisioning, provisionInProcess } from '../../sandbox/provision';

/**
 * The AWS state tests inspect and arrange, wherever it lives: in the sandbox's own Secrets Manager and
 * EventBridge, or in another implementation the sandbox forwards to. Asynchronous because the latter is
 * only reachable over the network.
 */
export interface AwsBackend {
  readonly name: AwsBackendName;
  /** The SecretString of the version holding `stage`; undefined when no version holds it. */
  valueAt(secretId: string, stage?: string): Promise<string | undefined>;
  /** Each version of a secret, with its staging labels (none for deprecated versions). */
  stages(secretId: string): Promise<Map<string, string[]>>;
  /** Writes a new value and makes it AWSCURRENT, as an operator editing the secret by hand would. */
  putCurrent(secretId: string, secretString: string): Promise<void>;
  /** Events the bus accepted, oldest first; those on one bus when `busName` is given. */
  events(busName?: string): Promise<RecordedEvent[]>;
  /** Creates what a configuration needs before its first run (see sandbox/provision.ts). */
  provision(plan: AwsProvisioning): Promise<void>;
  close(): void;
}

export type AwsBackendName = 'sandbox' | 'moto';

/** `ROTATOR_TEST_AWS=moto` runs the scenarios against moto (see jest.moto.config.js); the default is the sandbox. */
export function awsBackendName(): AwsBackendName {
  const value = process.env.ROTATOR_TEST_AWS ?? 'sandbox';
  if (value !== 'sandbox' && value !== 'moto')
    throw new Error(`ROTATOR_TEST_AWS must be "sandbox" or "moto", got ${JSON.stringify(value)}`);
  return value;
}

/** The in-process sandbox: reads happen synchronously, at the moment of the call. */
export function sandboxBackend(sandbox: Sandbox): AwsBackend {
  const secrets = sandbox.aws.api.secretsManager;
  return {
    name: 'sandbox',
    valueAt: async (secretId, stage = 'AWSCURRENT') => secrets.valueAt(secretId, stage),
    stages: async (secretId) => {
      const secret = secrets.find(secretId);
      if (!secret) throw new Error(`no secret ${secretId}`);
      return new Map([...secret.versions.values()].map((v) => [v.versionId, [...v.stages]]));
    },
    putCurrent: async (secretId, secretString) => {
      secrets.operations.PutSecretValue?.({ SecretId: secretId, SecretString: secretString });
    },
    events: async (busName) => sandbox.aws.api.events(busName),
    provision: async (plan) => provisionInProcess(sandbox, plan),
    close: () => undefined,
  };
}

/** A staging label only tests use, for a value on its way to AWSCURRENT. */
const BY_HAND = 'TEST_BY_HAND';

/**
 * moto, read and written through the real SDK at moto's own URL: past the sandbox's relay, so inspection
 * neither shows in the request log nor meets injected faults.
 *
 * Events come from the relay's record of the PutEvents entries moto accepted (answered with an EventId),
 * not from a rule with an SQS target read back: the record keeps the order of publication, which tests
 * rely on, and includes entries whose answer an `after` fault then withheld, as the sandbox's own bus
 * does; an SQS queue would add delivery delays and unordered receipt, and prove only rule routing, which
 * this product does not set up.
 */
export function motoBackend(motoUrl: string, sandbox: Sandbox): AwsBackend {
  const client = {
    endpoint: motoUrl,
    region: sandbox.aws.region,
    credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
    maxAttempts: 1,
  };
  const secrets = new SecretsManagerClient(client);
  const events = new EventBridgeClient(client);

  const valueAt = async (secretId: string, stage = 'AWSCURRENT'): Promise<string | undefined> => {
    try {
      return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }))).SecretString;
    } catch (error) {
      // moto answers with HTTP 404 where AWS answers 400; the SDK names the exception the same either way.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  };
  const stages = async (secretId: string): Promise<Map<string, string[]>> => {
    const out = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }));
    return new Map((out.Versions ?? []).map((v) => [v.VersionId ?? '', v.VersionStages ?? []]));
  };

  return {
    name: 'moto',
    valueAt,
    stages,
    putCurrent: async (secretId, secretString) => {
      const holder = [...(await stages(secretId))].find(([, labels]) => labels.includes('AWSCURRENT'));
      const unlabelled = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
      // moto tracks "the current version" apart from the labels and moves it only on CreateSecret and
      // PutSecretValue, not on UpdateSecretVersionStage. After a staged promotion, PutSecretValue with
      // AWSCURRENT therefore demotes the wrong version (AWSCURRENT ends up on two versions), and it replaces
      // every label of the demoted version with AWSPREVIOUS where AWS only moves AWSCURRENT. So PutSecretValue
      // is used only where moto gets it right: no staged promotion yet and no other label on the current
      // version (root-credential secrets, which GetSecretValue without a stage reads through that tracking).
      if (!holder || (holder[0] === unlabelled.VersionId && holder[1].length === 1)) {
        await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString }));
        return;
      }
      const { VersionId } = await secrets.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString, VersionStages: [BY_HAND] }),
      );
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: VersionId,
          RemoveFromVersionId: holder[0],
        }),
      );
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: BY_HAND,
          RemoveFromVersionId: VersionId,
        }),
      );
    },
    events: async (busName) => sandbox.aws.api.events(busName),
    provision: async (plan) => {
      for (const secret of plan.secrets) {
        await secrets.send(
          new CreateSecretCommand({
            Name: secret.name,
            ...(secret.secretString !== undefined ? { SecretString: secret.secretString } : {}),
            Description: secret.description,
            Tags: secret.tags,
          }),
        );
      }
      if (plan.eventBusName !== 'default') await events.send(new CreateEventBusCommand({ Name: plan.eventBusName }));
    },
    close: () => {
      secrets.destroy();
      events.destroy();
    },
  };
}
