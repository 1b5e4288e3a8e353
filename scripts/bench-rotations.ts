import { parseConfig } from '../functions/config/schema';
import { FAMILY_ROTATOR, type RotatorKind } from '../functions/config/types';
import type { RunReport } from '../functions/rotation/run';
import { createRotatorHandler } from '../functions/rotator/handler';
import { type RecordedRequest, type Sandbox, startSandbox } from '../sandbox';
import { localLambdaContext } from '../sandbox/lambda-context';
import { provisionSandbox } from '../sandbox/provision';
import { PRIVATE_TOKEN, privateFleetConfig, storeNames } from '../sandbox/fleet-config';
import { type DrainReport, drainWorkQueue } from '../sandbox/event-source-mapping';
import { SQSClient } from '@aws-sdk/client-sqs';
import { WORK_QUEUE_CONCURRENCY, fanOutPlan } from '../infra/work-queue';

/**
 * Rotation measures against the sandbox with latency injected on every BigCommerce and AWS request (the
 * `--latency-ms` option, 50 by default): calls counted at the sandbox, wall time as a run sees it. The
 * fleets are minted without latency first; only the measured run pays it.
 */
export function latencyMs(argv: string[] = process.argv): number {
  const at = argv.indexOf('--latency-ms');
  const value = at === -1 ? 50 : Number(argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error('--latency-ms takes a non-negative number');
  return value;
}

const LAMBDA_TIMEOUT_MS = 5 * 60_000;
const DAY = 24 * 3_600_000;

export interface Fleet {
  sandbox: Sandbox;
  /** The environment the functions run with, as the stack configures them (the configuration as JSON). */
  env: NodeJS.ProcessEnv;
  invoke(kind: RotatorKind, event?: unknown): Promise<RunReport>;
  /**
   * Mints every token of `kind` in one run (or those the event names), unpaced and without the queue:
   * setting up, not measured.
   */
  prepare(kind: RotatorKind, event?: unknown): Promise<RunReport>;
  /**
   * Works the storefront function's queue as its event source mapping would: WORK_QUEUE_CONCURRENCY execution
   * environments, each running one invocation at a time; returns their reports too.
   */
  drain(): Promise<DrainReport & { reports: RunReport[] }>;
  close(): Promise<void>;
}

const WORK_QUEUE = 'storefront-rotator-work';

/**
 * A deployed fleet, locally: each function's work queue and its writes share as the stack configures them;
 * `settings` adds to the functions' environment or overrides it (their logs are silenced by default).
 */
export async function fleet(
  rawConfig: Record<string, unknown>,
  storeHashes: string[],
  settings: Record<string, string> = {},
): Promise<Fleet> {
  const sandbox = await startSandbox({
    bigcommerce: { stores: storeHashes.map((storeHash) => ({ storeHash, channelIds: [1] })) },
  });
  const config = parseConfig(rawConfig);
  provisionSandbox(sandbox, config);
  // The AWS SDK and the logger read their settings from the process environment, as in Lambda.
  Object.assign(process.env, sandbox.environment(), {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...settings,
  });
  const queueUrl = sandbox.aws.api.sqs.operations.CreateQueue?.({ QueueName: WORK_QUEUE }).QueueUrl as string;
  const queueArn = `arn:aws:sqs:${sandbox.aws.region}:123456789012:${WORK_QUEUE}`;
  // As the stack configures the functions of this configuration.
  const fanOut = fanOutPlan(config.tokens);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROTATOR_CONFIG: JSON.stringify(rawConfig),
    ...(fanOut.workQueue.get('storefront') ? { WORK_QUEUE_URL: queueUrl, WORK_QUEUE_ARN: queueArn } : {}),
    SECRETS_WRITES_PER_SECOND: String(fanOut.writesPerSecond),
  };
  const handlers = new Map<RotatorKind, ReturnType<typeof createRotatorHandler>>();
  const run = async (handler: ReturnType<typeof createRotatorHandler>, kind: RotatorKind, event: unknown) =>
    (await handler(event, localLambdaContext(`${kind}-rotator`, LAMBDA_TIMEOUT_MS))) as RunReport;
  const consumers = Array.from({ length: WORK_QUEUE_CONCURRENCY }, () =>
    createRotatorHandler('storefront', { clock: sandbox.clock, env }),
  );
  return {
    sandbox,
    env,
    invoke: async (kind, event = {}) => {
      if (!handlers.has(kind)) handlers.set(kind, createRotatorHandler(kind, { clock: sandbox.clock, env }));
      return run(handlers.get(kind) as ReturnType<typeof createRotatorHandler>, kind, event);
    },
    prepare: (kind, event = {}) => {
      const { WORK_QUEUE_URL: _queue, WORK_QUEUE_ARN: _arn, SECRETS_WRITES_PER_SECOND: _paced, ...unpaced } = env;
      return run(createRotatorHandler(kind, { clock: sandbox.clock, env: unpaced }), kind, event);
    },
    drain: async () => {
      const reports: RunReport[] = [];
      const drained = await drainWorkQueue({
        client: new SQSClient({ useQueueUrlAsEndpoint: false }),
        queueUrl,
        queueArn,
        maxConcurrency: WORK_QUEUE_CONCURRENCY,
        invoke: async (event, instance) => {
          reports.push(await run(consumers[instance] as ReturnType<typeof createRotatorHandler>, 'storefront', event));
        },
      });
      return { ...drained, reports };
    },
    close: () => sandbox.close(),
  };
}

function setLatency(sandbox: Sandbox, ms: number): void {
  sandbox.bigcommerce.server.setLatency(ms);
  sandbox.aws.server.setLatency(ms);
}

function clearLogs(sandbox: Sandbox): void {
  sandbox.bigcommerce.server.clearRequests();
  sandbox.aws.server.clearRequests();
}

/** Calls made, and wall time, of one run with latency on. */
async function measured(
  f: Fleet,
  kind: RotatorKind,
  latency: number,
  event: unknown = {},
): Promise<{ report: RunReport; wallMs: number; bigcommerce: RecordedRequest[]; aws: RecordedRequest[] }> {
  clearLogs(f.sandbox);
  setLatency(f.sandbox, latency);
  const started = performance.now();
  const report = await f.invoke(kind, event);
  const wallMs = performance.now() - started;
  setLatency(f.sandbox, 0);
  return {
    report,
    wallMs,
    bigcommerce: f.sandbox.bigcommerce.server.requests(),
    aws: f.sandbox.aws.server.requests(),
  };
}

const FAMILY_TOKENS: Record<string, Record<string, unknown>> = {
  'storefront-private': PRIVATE_TOKEN,
  storefront: {
    family: 'storefront',
    channelId: 1,
    allowedCorsOrigins: ['https://shop.example.com'],
    lifetime: '30d',
    renewBefore: '7d',
  },
  'customer-impersonation': { family: 'customer-impersonation', channelIds: [1], lifetime: '1d', renewBefore: '6h' },
  'stored-instruments': { family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
  'b2b-backend': { family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1d' },
};

/**
 * p1: one token of each family that is due (its renewal window or period has come): BigCommerce and AWS
 * calls (the store's root credentials are read once more per cold container and are counted), wall time,
 * and the floor: the calls times the latency, since a rotation's calls follow one another.
 */
export async function oneDueToken(latency: number): Promise<void> {
  for (const [family, token] of Object.entries(FAMILY_TOKENS)) {
    const store = 'benchstore1';
    const f = await fleet(
      {
        stores: [
          {
            storeHash: store,
            credentialsSecret: `bigcommerce/${store}/api-account`,
            b2bCredentialsSecret: `bigcommerce/${store}/b2b-user`,
          },
        ],
        tokens: [{ id: 'bench', store, ...token }],
      },
      [store],
    );
    try {
      const kind = FAMILY_ROTATOR[family as keyof typeof FAMILY_ROTATOR];
      // The measured run's container is warm, as a function's usually is: it has read the root credentials.
      const minted = await f.invoke(kind);
      f.sandbox.clock.set(Date.parse(minted.results[0]?.nextDueAt ?? '') + 60_000);
      const { report, wallMs, bigcommerce, aws } = await measured(f, kind, latency);
      if (report.summary.rotated !== 1) throw new Error(`p1 ${family}: the due token was not rotated`);
      const floor = (bigcommerce.length + aws.length) * latency;
      console.log(
        `bench p1 family=${family} bigcommerce_calls=${bigcommerce.length} aws_calls=${aws.length} ` +
          `wall_ms=${Math.round(wallMs)} floor_ms=${floor} ratio=${floor > 0 ? (wallMs / floor).toFixed(2) : '0.00'}`,
      );
    } finally {
      await f.close();
    }
  }
}

/** p2: a scheduled run over 500 tokens of which none is due. */
export async function idleSweep(latency: number): Promise<void> {
  const stores = storeNames('bench', 125);
  const f = await fleet(privateFleetConfig(stores, 4), stores);
  try {
    await f.prepare('storefront');
    const { report, wallMs, bigcommerce, aws } = await measured(f, 'storefront', latency);
    console.log(
      `bench p2 tokens=${report.results.length} aws_calls=${aws.length} bigcommerce_calls=${bigcommerce.length} ` +
        `wall_ms=${Math.round(wallMs)}`,
    );
  } finally {
    await f.close();
  }
}

/** The most BigCommerce requests of one store in flight at once (each lasting the injected latency). */
function maxInflightPerStore(requests: RecordedRequest[], latency: number): number {
  const byStore = new Map<string, number[]>();
  for (const r of requests) {
    const store = /store[s]?[-/]([a-z0-9]+)/.exec(r.path)?.[1] ?? 'unknown';
    byStore.set(store, [...(byStore.get(store) ?? []), Date.parse(r.at)]);
  }
  let most = 0;
  for (const starts of byStore.values()) {
    starts.sort((a, b) => a - b);
    for (let i = 0; i < starts.length; i++) {
      let overlapping = 1;
      for (let j = i + 1; j < starts.length && (starts[j] as number) < (starts[i] as number) + latency; j++)
        overlapping++;
      most = Math.max(most, overlapping);
    }
  }
  return most;
}

/**
 * p3: 1,000 due tokens across 250 stores (4 a store; `--p3-stores` for more): the sweep hands them out, one
 * message per store, and the work queue's invocations (WORK_QUEUE_CONCURRENCY at once, each pacing its
 * Secrets Manager writes as deployed) rotate them. Wall time from the sweep's start to the queue's last
 * invocation's end.
 */
export async function manyDueTokens(latency: number, storeCount = 250): Promise<void> {
  const stores = storeNames('bench', storeCount);
  const f = await fleet(privateFleetConfig(stores, 4), stores);
  try {
    await f.prepare('storefront');
    f.sandbox.clock.advance(6 * DAY);
    clearLogs(f.sandbox);
    setLatency(f.sandbox, latency);
    const started = performance.now();
    const sweep = await f.invoke('storefront');
    const drained = await f.drain();
    const wallMs = performance.now() - started;
    setLatency(f.sandbox, 0);
    const reports = [sweep, ...drained.reports];
    const rotated = reports.reduce((n, r) => n + r.summary.rotated, 0);
    const notReached = reports.reduce((n, r) => n + r.notReached.length, 0) + drained.failures;
    const bigcommerce = f.sandbox.bigcommerce.server.requests();
    console.log(
      `bench p3 tokens=${rotated} stores=${stores.length} wall_ms=${Math.round(wallMs)} ` +
        `per_token_ms=${rotated > 0 ? Math.round(wallMs / rotated) : 0} ` +
        `max_inflight_per_store=${maxInflightPerStore(bigcommerce, latency)} ` +
        `rate_limited=${bigcommerce.filter((r) => r.status === 429).length} not_reached=${notReached}`,
    );
  } finally {
    await f.close();
  }
}
