import type { Context } from 'aws-lambda';
import { parseConfig } from '../../functions/config/schema';
import type { RotatorConfig, RotatorKind } from '../../functions/config/types';
import type { RunReport } from '../../functions/rotation/run';
import { type RotatorDependencies, createRotatorHandler } from '../../functions/rotator/handler';
import type { Sandbox } from '../../sandbox';
import { localLambdaContext } from '../../sandbox/lambda-context';
import { SANDBOX_STACK_NAME, awsProvisioning, seedStores } from '../../sandbox/provision';
import { stackOwner } from '../../functions/families/b2b-ownership';
import { type DrainReport, drainWorkQueue } from '../../sandbox/event-source-mapping';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { sqsClient } from './aws-clients';
import type { RecordedEvent } from '../../sandbox/aws/event-bridge';
import type { AwsBackend } from './aws-backend';
import { capturedLogLines, capturedOutput, startCapture, stopCapture } from './output-capture';
import { auditText } from './audit';
import { useSandboxWithAws } from './sandbox';

export const STORE = 'teststore1';

/** The test store with both its root-credential secrets: the API account's and the B2B Edition user's. */
export const STORE_WITH_B2B = {
  storeHash: STORE,
  credentialsSecret: `bigcommerce/${STORE}/api-account`,
  b2bCredentialsSecret: `bigcommerce/${STORE}/b2b-user`,
};

/** A configuration with one token of each storefront family. */
export function storefrontConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
    tokens: [
      {
        id: 'headless',
        store: STORE,
        family: 'storefront-private',
        channelIds: [1],
        scopes: ['Unauthenticated', 'Customer'],
        lifetime: '7d',
        renewBefore: '2d',
      },
      {
        id: 'browser',
        store: STORE,
        family: 'storefront',
        channelId: 1,
        allowedCorsOrigins: ['https://shop.example.com'],
        lifetime: '30d',
        renewBefore: '7d',
        revokeSuperseded: { gracePeriod: '1h' },
      },
      {
        id: 'impersonation',
        store: STORE,
        family: 'customer-impersonation',
        channelIds: [1, 2],
        lifetime: '1d',
        renewBefore: '6h',
      },
    ],
    ...overrides,
  };
}

function workQueueName(kind: RotatorKind): string {
  return `${kind}-rotator-work`;
}

/** The ARN of a function's work queue in the test account: its WORK_QUEUE_ARN, and its messages' event source. */
export function workQueueArn(sandbox: Sandbox, kind: RotatorKind = 'storefront'): string {
  return `arn:aws:sqs:${sandbox.aws.region}:123456789012:${workQueueName(kind)}`;
}

export interface RotatorHarness {
  sandbox: Sandbox;
  config: RotatorConfig;
  /** Invokes a rotator function's handler in-process (the storefront one by default), as Lambda would. */
  invoke(event?: unknown, kind?: RotatorKind): Promise<RunReport>;
  /**
   * A new, independent handler instance (a new container: empty caches), e.g. for concurrency tests; `env`
   * overrides the deployment's variables (another stack: ROTATOR_STACK_NAME and ROTATOR_CONFIG).
   */
  newInstance(
    kind?: RotatorKind,
    env?: Record<string, string>,
  ): (event?: unknown, context?: Context) => Promise<RunReport>;
  /** The stack the functions belong to (ROTATOR_STACK_NAME), as provisioned. */
  stackName: string;
  /** That stack's owner in B2B tokens' ownership marks (stackOwner, for the in-process functions' ARN). */
  owner: string;
  /** The value in AWSCURRENT (or another stage) of a managed token's secret, parsed. */
  secret(tokenId: string, stage?: string): Promise<Record<string, any> | undefined>;
  /** Each version of a managed token's secret with its staging labels. */
  stages(tokenId: string): Promise<Map<string, string[]>>;
  /** Events the bus accepted, oldest first (all buses unless one is named). */
  events(busName?: string): Promise<RecordedEvent[]>;
  /** AWS state for anything else: root-credential secrets, writes by hand. */
  aws: AwsBackend;
  /**
   * With `workQueue` tuning: runs the function's work queue as its event source mapping would, until empty
   * (see sandbox/event-source-mapping.ts).
   */
  drain(kind?: RotatorKind, maxConcurrency?: number): Promise<DrainReport>;
  /** With `workQueue` tuning: the URL of a function's work queue (its WORK_QUEUE_URL). */
  workQueueUrl(kind?: RotatorKind): string;
}

/** Test settings beyond the handler's own: a work queue per function, so sweeps may hand work out. */
export interface HarnessTuning extends Pick<RotatorDependencies, 'retry' | 'aws' | 'deadlines'> {
  workQueue?: { writesPerSecond?: number };
  /** Tokens whose secrets are created without a value (no version), as a secret created outside the stack. */
  createdWithoutValue?: string[];
}

/**
 * A sandbox provisioned for `rawConfig`, with the real storefront handler pointed at it through the same
 * environment variables a deployment uses. Output is captured (see output-capture) for scanning.
 */
export function useRotator(
  rawConfig: Record<string, unknown> = storefrontConfig(),
  { workQueue, createdWithoutValue = [], ...tuning }: HarnessTuning = {},
): () => RotatorHarness {
  const sandbox = useSandboxWithAws({
    bigcommerce: { stores: [{ storeHash: STORE, storeName: 'Test Store', channelIds: [1, 2] }] },
  });
  let harness: RotatorHarness | undefined;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    const { sandbox: s, aws } = sandbox();
    const config = parseConfig(rawConfig);
    const plan = awsProvisioning(config, seedStores(s, config), SANDBOX_STACK_NAME);
    const withoutValue = new Set(
      config.tokens.filter((t) => createdWithoutValue.includes(t.id)).map((t) => t.secretName),
    );
    await aws.provision({
      ...plan,
      secrets: plan.secrets.map(({ secretString, ...secret }) =>
        withoutValue.has(secret.name) ? secret : { ...secret, secretString },
      ),
    });
    const env = {
      ...s.environment(),
      ROTATOR_CONFIG: JSON.stringify(rawConfig),
      ROTATOR_STACK_NAME: SANDBOX_STACK_NAME,
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    };
    Object.assign(process.env, env);
    const sqs = sqsClient(s);
    const queueUrls = new Map<RotatorKind, string>();
    if (workQueue) {
      for (const kind of ['storefront', 'payments', 'b2b'] as const) {
        const out = await sqs.send(new CreateQueueCommand({ QueueName: workQueueName(kind) }));
        queueUrls.set(kind, out.QueueUrl as string);
      }
    }
    const envOf = (kind: RotatorKind): Record<string, string> => {
      const url = queueUrls.get(kind);
      if (!url) return env;
      const writes = workQueue?.writesPerSecond;
      return {
        ...env,
        WORK_QUEUE_URL: url,
        WORK_QUEUE_ARN: workQueueArn(s, kind),
        ...(writes ? { SECRETS_WRITES_PER_SECOND: String(writes) } : {}),
      };
    };
    const make = (kind: RotatorKind = 'storefront', overrides: Record<string, string> = {}) => {
      const handler = createRotatorHandler(kind, {
        clock: s.clock,
        env: { ...envOf(kind), ...overrides },
        ...tuning,
        retry: { baseDelayMs: 1, maxDelayMs: 5, maxRateLimitWaitMs: 200, ...tuning.retry },
      });
      return async (
        event: unknown = {},
        context: Context = localLambdaContext(`${kind}-rotator`),
      ): Promise<RunReport> => {
        try {
          const report = (await handler(event, context)) as RunReport;
          auditText('response', JSON.stringify(report));
          return report;
        } catch (error) {
          auditText('error', `${(error as Error).name}: ${(error as Error).message}`);
          throw error;
        }
      };
    };
    const secretNameOf = (tokenId: string): string => {
      const token = config.tokens.find((t) => t.id === tokenId);
      if (!token) throw new Error(`no token ${tokenId}`);
      return token.secretName;
    };
    const queueUrlOf = (kind: RotatorKind): string => {
      const queueUrl = queueUrls.get(kind);
      if (!queueUrl) throw new Error('this harness has no work queue (tuning.workQueue)');
      return queueUrl;
    };
    const instances = new Map<RotatorKind, ReturnType<typeof make>>();
    harness = {
      sandbox: s,
      config,
      invoke: (event = {}, kind = 'storefront') => {
        if (!instances.has(kind)) instances.set(kind, make(kind));
        return (instances.get(kind) as ReturnType<typeof make>)(event);
      },
      newInstance: make,
      stackName: SANDBOX_STACK_NAME,
      owner: stackOwner(SANDBOX_STACK_NAME, localLambdaContext('b2b-rotator').invokedFunctionArn),
      secret: async (tokenId, stage = 'AWSCURRENT') => {
        const value = await aws.valueAt(secretNameOf(tokenId), stage);
        return value === undefined ? undefined : JSON.parse(value);
      },
      stages: (tokenId) => aws.stages(secretNameOf(tokenId)),
      events: (busName) => aws.events(busName),
      aws,
      workQueueUrl: (kind = 'storefront') => queueUrlOf(kind),
      drain: (kind = 'storefront', maxConcurrency = 5) => {
        const queueUrl = queueUrlOf(kind);
        const instances = Array.from({ length: maxConcurrency }, () => make(kind));
        return drainWorkQueue({
          client: sqs,
          queueUrl,
          queueArn: workQueueArn(s, kind),
          maxConcurrency,
          invoke: (event, instance) => (instances[instance] as ReturnType<typeof make>)(event),
        });
      },
    };
    startCapture();
  });
  afterAll(() => {
    stopCapture();
    auditText('output', capturedOutput());
    process.env = savedEnv;
  });
  return () => {
    if (!harness) throw new Error('rotator harness not ready: use inside a test');
    return harness;
  };
}

export { capturedLogLines, capturedOutput };
