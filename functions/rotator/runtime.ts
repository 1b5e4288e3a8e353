import type { Context } from 'aws-lambda';
import { type AwsClientOptions, createAwsClients } from '../aws/clients';
import { EventBridgePublisher } from '../aws/event-publisher';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { SecretsManagerStoreCredentials } from '../aws/store-credentials';
import { RateLimiter } from '../aws/write-rate';
import { type BigCommerceEndpoints, resolveEndpoints } from '../bigcommerce/endpoints';
import { BigCommerceHttp, type RetryPolicy } from '../bigcommerce/http';
import { loadRuntimeConfig } from '../config/load';
import type { RotatorConfig, RotatorKind } from '../config/types';
import type { RedactingLogger } from '../observability/logger';
import { describeError } from '../observability/redaction';
import type { MetricsEmitter } from '../observability/rotation-metrics';
import type { Clock } from '../rotation/clock';
import type { RotationPorts } from '../rotation/rotate-token';
import type { RunProgress } from '../rotation/run';
import type { RunMetrics } from '../rotation/run-metrics';
import type { StoreCredentials } from '../rotation/store-credentials';
import { stackOwner } from '../families/b2b-ownership';
import type { FamilyAdapterFactory, FamilyAdapters } from './families';

/**
 * What a rotator function builds once per container (the runtime) and anew for each invocation (its ports,
 * whose calls end when the invocation is cut off).
 */

/** Built once per container: the configuration, endpoints, SDK clients and the credentials cache. */
export interface Runtime {
  config: RotatorConfig;
  endpoints: BigCommerceEndpoints;
  clients: ReturnType<typeof createAwsClients>;
  eventBusName: string;
  credentials: StoreCredentials;
  /** The function's work queue (WORK_QUEUE_URL), where a large sweep hands out its work. */
  workQueueUrl: string | undefined;
  /** The same queue's ARN (WORK_QUEUE_ARN): the only event source whose messages the function takes. */
  workQueueArn: string | undefined;
  /** The stack the function belongs to (ROTATOR_STACK_NAME); undefined in a local run. */
  stackName: string | undefined;
  /**
   * This container's share of Secrets Manager's account-wide write quota (SECRETS_WRITES_PER_SECOND): one
   * limiter for all its invocations, so one invocation's last writes and the next one's first are paced too.
   */
  writes: RateLimiter | undefined;
}

function buildRuntime(env: NodeJS.ProcessEnv, aws: AwsClientOptions): Runtime {
  const config = loadRuntimeConfig(env);
  const endpoints = resolveEndpoints(env);
  const clients = createAwsClients(aws);
  const workQueueUrl = env.WORK_QUEUE_URL || undefined;
  const workQueueArn = env.WORK_QUEUE_ARN || undefined;
  if ((workQueueUrl === undefined) !== (workQueueArn === undefined)) {
    throw new Error("WORK_QUEUE_URL and WORK_QUEUE_ARN name the function's work queue together: set both or neither");
  }
  const writes = env.SECRETS_WRITES_PER_SECOND;
  const writesPerSecond = writes === undefined || writes === '' ? undefined : Number(writes);
  if (writesPerSecond !== undefined && !(writesPerSecond > 0)) {
    throw new Error(`SECRETS_WRITES_PER_SECOND must be a number above 0, not "${writes}"`);
  }
  return {
    config,
    endpoints,
    clients,
    eventBusName: env.EVENT_BUS_NAME ?? config.eventBusName,
    credentials: new SecretsManagerStoreCredentials(clients.secretsManager, config.stores, {
      stackName: env.ROTATOR_STACK_NAME || undefined,
    }),
    stackName: env.ROTATOR_STACK_NAME || undefined,
    workQueueUrl,
    workQueueArn,
    writes: writesPerSecond === undefined ? undefined : new RateLimiter(writesPerSecond),
  };
}

/** Deadline handling, tunable for tests; Lambda uses the defaults. */
export interface DeadlineSettings {
  /** No new token is started with less than this left before the Lambda deadline. */
  stopStartingWorkMs: number;
  /** This long before the deadline, middy cuts the invocation off and the partial report is returned. */
  timeoutEarlyMs: number;
  /** BigCommerce calls and their retry waits end this long before the cut-off, so their outcome is recorded. */
  httpMarginMs: number;
}

export const DEFAULT_DEADLINES: DeadlineSettings = {
  stopStartingWorkMs: 30_000,
  timeoutEarlyMs: 10_000,
  httpMarginMs: 2_000,
};

/** What one function's container keeps across invocations; Lambda runs one invocation at a time in it. */
export interface Container {
  readonly kind: RotatorKind;
  readonly families: FamilyAdapterFactory;
  readonly log: RedactingLogger;
  readonly clock: Clock;
  readonly deadlines: DeadlineSettings;
  /** Written once per invocation, at its end or at the cut-off, whichever comes first. */
  readonly metrics: MetricsEmitter;
  /**
   * Where the runtime is built from: the environment (the process's, as it is at the first invocation, unless
   * one is given), and the AWS clients' and BigCommerce client's settings.
   */
  readonly env: NodeJS.ProcessEnv | undefined;
  readonly aws: AwsClientOptions;
  readonly retry: Partial<RetryPolicy> | undefined;
  /** Built at the first invocation. */
  runtime?: Runtime;
  /** The run in flight and its metrics, for the timeout-early report. */
  inFlight?: { progress: RunProgress; metrics: RunMetrics };
}

/** One invocation's view: its context and signal, and its ports and families, whose calls end when it is cut off. */
export interface Invocation {
  context: Context;
  signal: AbortSignal;
  runtime: Runtime;
  ports: RotationPorts;
  families: FamilyAdapters;
}

/** The runtime, built at the container's first invocation, and this invocation's ports and families. */
export function begin(container: Container, context: Context, middySignal: AbortSignal): Invocation {
  // middy hands every handler of a process the same AbortSignal. Lambda runs one invocation per container,
  // but local runs (tests, the sandbox's event source mapping) run several at once, and the SDK's request
  // listeners on that one signal would add up; each invocation listens on its own signal that follows it.
  const signal = AbortSignal.any([middySignal]);
  const { log, clock, deadlines } = container;
  log.useContext(context);
  const runtime = runtimeOf(container);
  const remainingBeforeCutOff = () => context.getRemainingTimeInMillis() - deadlines.timeoutEarlyMs;
  const http = new BigCommerceHttp({
    retry: container.retry,
    signal,
    remainingMs: () => remainingBeforeCutOff() - deadlines.httpMarginMs,
  });
  const ports: RotationPorts = {
    clock,
    secrets: new SecretsManagerSecretStore(runtime.clients.secretsManager, signal, runtime.writes),
    publisher: new EventBridgePublisher(runtime.clients.eventBridge, runtime.eventBusName, signal),
    credentials: runtime.credentials,
    log,
  };
  const owner = stackOwner(runtime.stackName ?? '', context.invokedFunctionArn);
  return { context, signal, runtime, ports, families: container.families(http, runtime.endpoints, owner) };
}

/** The runtime, built at the container's first invocation; a configuration that cannot be used is logged. */
function runtimeOf(container: Container): Runtime {
  try {
    container.runtime ??= buildRuntime(container.env ?? process.env, container.aws);
  } catch (error) {
    container.log.error('cannot start: invalid configuration', { error: describeError(error) });
    throw error;
  }
  return container.runtime;
}
