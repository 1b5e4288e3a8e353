import { randomUUID } from 'node:crypto';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type RotateSecretCommandInput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Sandbox } from '../../sandbox';
import type { RecordedEvent } from '../../sandbox/aws/event-bridge';
import {
  type RotationFunction,
  type StepRecord,
  invokeSteps,
  rotationSteps,
  succeeded,
} from '../../sandbox/aws/rotation';
import type { RotationRecord } from '../../sandbox/aws/secrets-manager';
import { type AwsProvisioning, provisionInProcess } from '../../sandbox/provision';
import { secretsManagerClient } from './aws-clients';

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
  /** Makes `invoke` the Lambda function `name`, for RotateSecret to invoke; resolves to its ARN. */
  registerRotationFunction(name: string, invoke: RotationFunction): Promise<string>;
  /**
   * RotateSecret through the sandbox's AWS endpoint and the real SDK, resolved once the rotation it started
   * has ended (RotateSecret itself answers before the rotation function's first step).
   */
  rotateSecret(input: RotateSecretCommandInput): Promise<RotationRun>;
  /** Secrets Manager's schedule firing for a secret whose NextRotationDate has come. */
  rotateOnSchedule(secretId: string): Promise<RotationRun>;
  /** Secrets Manager retrying the last rotation of a secret, which failed: same ClientRequestToken, all steps. */
  retryRotation(secretId: string): Promise<RotationRun>;
  close(): void;
}

/** A rotation Secrets Manager ran: its version, and what each invocation of the rotation function did. */
export interface RotationRun {
  versionId: string;
  steps: StepRecord[];
  succeeded: boolean;
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
  const client = secretsManagerClient(sandbox, 1);
  const ended = async (record: RotationRecord | undefined): Promise<RotationRun> => {
    if (!record) throw new Error('Secrets Manager started no rotation');
    await secrets.rotationsSettled();
    return { versionId: record.versionId, steps: record.steps, succeeded: record.outcome === 'succeeded' };
  };
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
    registerRotationFunction: async (name, invoke) => {
      const arn = `arn:aws:lambda:${sandbox.aws.region}:${sandbox.aws.api.accountId}:function:${name}`;
      secrets.registerRotationFunction(arn, invoke);
      return arn;
    },
    rotateSecret: async (input) => {
      const { ARN, VersionId } = await client.send(new RotateSecretCommand(input));
      return ended(secrets.rotations(ARN as string).find((r) => r.versionId === VersionId));
    },
    rotateOnSchedule: async (secretId) => {
      const arn = secrets.find(secretId)?.arn;
      return ended(secrets.rotateDueSecrets().find((r) => r.secretArn === arn));
    },
    retryRotation: async (secretId) => ended(secrets.retryRotation(secretId)),
    close: () => client.destroy(),
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
  const relay = secretsManagerClient(sandbox, 1);

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
    ...motoRotation(motoUrl, sandbox, { direct: secrets, relay }, stages),
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
      relay.destroy();
    },
  };
}

/**
 * RotateSecret at moto, finished by the test where moto cannot finish it. moto's Lambda runs no code without
 * Docker; with its Docker-less Lambda (`use_docker: false`) moto's RotateSecret does its Secrets Manager side
 * (the configuration, the AWSPENDING version) and invokes a function that does nothing. The steps are then
 * invoked here, in-process, with moto's answer, as Secrets Manager would invoke the Lambda function. Where
 * moto's RotateSecret departs from the API reference (test/conformance/moto-deviations.moto.ts), the test's own
 * calls do what AWS does: RotationLambdaARN is always sent (moto forgets the configured function when it is
 * left out), AWSPENDING left on AWSCURRENT by a finished rotation is taken off first (moto refuses that state,
 * AWS accepts it; RotateSecret moves the label to the new version either way), the ClientRequestToken is
 * chosen here (with RotateImmediately false moto answers the current version's id, not the new one's), and the
 * configuration test's version holds AWSCURRENT's value (moto copies the value the secret was created with;
 * its PutSecretValue replaces the value of a version holding AWSPENDING) and loses AWSPENDING afterwards
 * (AWS removes it, moto keeps it). RotateSecret while a rotation is in
 * progress is refused by AWS and accepted by moto: that rule is the sandbox's to show, so it throws here.
 */
function motoRotation(
  motoUrl: string,
  sandbox: Sandbox,
  clients: { direct: SecretsManagerClient; relay: SecretsManagerClient },
  stages: (secretId: string) => Promise<Map<string, string[]>>,
): Pick<AwsBackend, 'registerRotationFunction' | 'rotateSecret' | 'rotateOnSchedule' | 'retryRotation'> {
  const { direct, relay } = clients;
  const functions = new Map<string, RotationFunction>();
  const lastRuns = new Map<string, RotationRun & { functionArn: string; immediately: boolean }>();
  const holderOf = (labels: Map<string, string[]>, label: string) =>
    [...labels].find(([, held]) => held.includes(label))?.[0];
  const removePending = (SecretId: string, RemoveFromVersionId: string) =>
    direct.send(new UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSPENDING', RemoveFromVersionId }));

  const drive = async (secretArn: string, versionId: string, immediately: boolean, functionArn: string) => {
    const steps = rotationSteps(immediately);
    const records = await invokeSteps(functions.get(functionArn) as RotationFunction, secretArn, versionId, steps);
    if (!immediately && holderOf(await stages(secretArn), 'AWSPENDING') === versionId)
      await removePending(secretArn, versionId);
    const run = { versionId, steps: records, succeeded: succeeded(records, steps) };
    lastRuns.set(secretArn, { ...run, functionArn, immediately });
    return run;
  };

  const rotateSecret = async (input: RotateSecretCommandInput): Promise<RotationRun> => {
    const secretId = input.SecretId as string;
    const functionArn =
      input.RotationLambdaARN ??
      (await direct.send(new DescribeSecretCommand({ SecretId: secretId }))).RotationLambdaARN;
    if (!functionArn || !functions.has(functionArn))
      throw new Error(`no rotation function is registered for ${secretId}`);
    const labels = await stages(secretId);
    const pending = holderOf(labels, 'AWSPENDING');
    if (pending !== undefined && pending !== holderOf(labels, 'AWSCURRENT'))
      throw new Error(
        'AWS refuses RotateSecret while AWSPENDING is on a version other than AWSCURRENT; moto accepts it: assert that against the sandbox',
      );
    if (pending !== undefined) await removePending(secretId, pending);
    const token = input.ClientRequestToken ?? randomUUID();
    const immediately = input.RotateImmediately ?? true;
    const current = immediately
      ? undefined
      : await direct.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    const out = await relay.send(
      new RotateSecretCommand({ ...input, ClientRequestToken: token, RotationLambdaARN: functionArn }),
    );
    if (current?.SecretString !== undefined)
      await direct.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: current.SecretString,
          VersionStages: ['AWSPENDING'],
        }),
      );
    return drive(out.ARN as string, token, immediately, functionArn);
  };

  return {
    registerRotationFunction: async (name, invoke) => {
      const functionArn = await createMotoFunction(motoUrl, sandbox.aws.region, name);
      functions.set(functionArn, invoke);
      return functionArn;
    },
    rotateSecret,
    rotateOnSchedule: async (secretId) => {
      const next = (await direct.send(new DescribeSecretCommand({ SecretId: secretId }))).NextRotationDate;
      if (!next || next > sandbox.clock.now()) throw new Error(`the rotation schedule of ${secretId} has not come`);
      // moto has no scheduler: the schedule starts a rotation with the stored configuration, as RotateSecret does.
      return rotateSecret({ SecretId: secretId });
    },
    retryRotation: async (secretId) => {
      const arn = (await direct.send(new DescribeSecretCommand({ SecretId: secretId }))).ARN as string;
      const last = lastRuns.get(arn);
      if (!last || last.succeeded || !last.immediately)
        throw new Error(`the last rotation of ${secretId} did not fail: Secrets Manager has nothing to retry`);
      return drive(arn, last.versionId, true, last.functionArn);
    },
  };
}

/**
 * A Lambda function in moto's Docker-less Lambda (its code is never run), with the IAM role moto insists on;
 * resolves to its ARN. Raw requests: this project has no Lambda or IAM client, and moto checks no signature
 * (it reads the service and Region from the credential scope).
 */
async function createMotoFunction(motoUrl: string, region: string, name: string): Promise<string> {
  const send = async (service: string, path: string, body: string, contentType: string): Promise<Response> => {
    const response = await fetch(`${motoUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        authorization: `AWS4-HMAC-SHA256 Credential=moto/20200101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body,
    });
    // 409: created already, by an earlier registration against the same moto account.
    if (!response.ok && response.status !== 409)
      throw new Error(`moto ${service} ${path} answered ${response.status}: ${await response.text()}`);
    return response;
  };
  await send('moto-api', '/moto-api/config', JSON.stringify({ lambda: { use_docker: false } }), 'application/json');
  const role = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: 'rotation-function',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await send('iam', '/', role.toString(), 'application/x-www-form-urlencoded');
  const created = await send(
    'lambda',
    '/2015-03-31/functions',
    JSON.stringify({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::123456789012:role/rotation-function',
      Handler: 'index.handler',
      Code: { ZipFile: Buffer.from('invoked in-process by the test').toString('base64') },
    }),
    'application/json',
  );
  if (created.ok) return ((await created.json()) as { FunctionArn: string }).FunctionArn;
  return `arn:aws:lambda:${region}:123456789012:function:${name}`;
}
