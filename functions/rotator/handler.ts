import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AwsClientOptions, DEFAULT_AWS_CLIENT_OPTIONS, createAwsClients } from '../aws/clients';
import { EventBridgePublisher } from '../aws/event-publisher';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { SecretsManagerStoreCredentials } from '../aws/store-credentials';
import { SqsWorkQueue } from '../aws/work-queue';
import { RateLimiter } from '../aws/write-rate';
import { type BigCommerceEndpoints, resolveEndpoints } from '../bigcommerce/endpoints';
import { BigCommerceHttp, type RetryPolicy } from '../bigcommerce/http';
import { loadRuntimeConfig } from '../config/load';
import type { RotatorConfig, RotatorKind } from '../config/types';
import { defaultMetricsEmitter } from '../observability/emf-metrics';
import { RedactingLogger } from '../observability/logger';
import { describeError, redactor } from '../observability/redaction';
import type { MetricsEmitter } from '../observability/rotation-metrics';
import { type Clock, systemClock } from '../rotation/clock';
import type { WorkQueue } from '../rotation/fan-out';
import { type ProtocolOutcome, type RotationPorts, runProtocolStep } from '../rotation/rotate-token';
import { type RunProgress, type RunReport, newRunProgress, reportOf, runRotations } from '../rotation/run';
import { RunMetrics } from '../rotation/run-metrics';
import type { StoreCredentials } from '../rotation/store-credentials';
import { parseRotationEvent } from './event';
import { type FamilyAdapterFactory, familiesOf } from './families';
import { isProtocolEvent, parseProtocolEvent } from './protocol-event';
import { isWorkEvent, parseWorkEvent } from './work-event';

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
const TOKENS_AT_ONCE = 4;

/** What a local run (tests, `npm start`, `npm run invoke`) may substitute; Lambda uses the defaults. */
export interface RotatorDependencies {
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  log?: RedactingLogger;
  retry?: Partial<RetryPolicy>;
  aws?: Partial<AwsClientOptions>;
  deadlines?: Partial<DeadlineSettings>;
  /** Where each run's metrics go; by default EMF on stdout inside Lambda, nothing elsewhere. */
  metrics?: MetricsEmitter;
}

/** Built once per container: the configuration, endpoints, SDK clients and the credentials cache. */
interface Runtime {
  config: RotatorConfig;
  endpoints: BigCommerceEndpoints;
  clients: ReturnType<typeof createAwsClients>;
  eventBusName: string;
  credentials: StoreCredentials;
  /** The function's work queue (WORK_QUEUE_URL), where a large sweep hands out its work. */
  workQueueUrl: string | undefined;
  /** The same queue's ARN (WORK_QUEUE_ARN): the only event source whose messages the function takes. */
  workQueueArn: string | undefined;
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
    credentials: new SecretsManagerStoreCredentials(clients.secretsManager, config.stores),
    workQueueUrl,
    workQueueArn,
    writes: writesPerSecond === undefined ? undefined : new RateLimiter(writesPerSecond),
  };
}

/**
 * A rotator function as its entry point exports it: the Lambda handler, and `createHandler` for local runs
 * that substitute dependencies. `families` wires the function's own families, and only those.
 */
export function rotatorFunction(kind: RotatorKind, families: FamilyAdapterFactory) {
  const createHandler = (dependencies: RotatorDependencies = {}) => createFunctionHandler(kind, families, dependencies);
  return { handler: createHandler(), createHandler };
}

/** The handler of `kind`'s function with its entry point's families, for code that runs from source (tests). */
export function createRotatorHandler(kind: RotatorKind, dependencies: RotatorDependencies = {}) {
  return createFunctionHandler(kind, familiesOf(kind), dependencies);
}

/**
 * The Lambda handler of one rotator function: parse the event (refusing bad ones before any side
 * effect), rotate each of its managed tokens, return per-token outcomes. Near the deadline it starts no
 * new token, and middy's timeout-early cuts it off in time to return what it did and did not reach.
 * Thin by design: the flow lives in rotation/, the BigCommerce calls in bigcommerce/ and families/.
 */
function createFunctionHandler(
  kind: RotatorKind,
  familyAdapters: FamilyAdapterFactory,
  dependencies: RotatorDependencies = {},
) {
  const log = dependencies.log ?? new RedactingLogger();
  const clock = dependencies.clock ?? systemClock;
  const deadlines = { ...DEFAULT_DEADLINES, ...dependencies.deadlines };
  let runtime: Runtime | undefined;
  // One invocation at a time per container: the run in flight, for the timeout-early report.
  let inFlight: RunProgress | undefined;
  // Written once per invocation, at its end or at the cut-off, whichever comes first.
  const metrics = dependencies.metrics ?? defaultMetricsEmitter(dependencies.env ?? process.env, log);
  let inFlightMetrics: RunMetrics | undefined;

  const rotate = async (
    event: unknown,
    context: Context,
    { signal: middySignal }: { signal: AbortSignal },
  ): Promise<RunReport | ProtocolOutcome> => {
    // middy hands every handler of a process the same AbortSignal. Lambda runs one invocation per container,
    // but local runs (tests, the sandbox's event source mapping) run several at once, and the SDK's request
    // listeners on that one signal would add up; each invocation listens on its own signal that follows it.
    const signal = AbortSignal.any([middySignal]);
    log.useContext(context);
    try {
      runtime ??= buildRuntime(dependencies.env ?? process.env, { ...DEFAULT_AWS_CLIENT_OPTIONS, ...dependencies.aws });
    } catch (error) {
      log.error('cannot start: invalid configuration', { error: describeError(error) });
      throw error;
    }
    const live = runtime;
    const remainingBeforeCutOff = () => context.getRemainingTimeInMillis() - deadlines.timeoutEarlyMs;
    const http = new BigCommerceHttp({
      retry: dependencies.retry,
      signal,
      remainingMs: () => remainingBeforeCutOff() - deadlines.httpMarginMs,
    });
    const families = familyAdapters(http, live.endpoints);
    const ports: RotationPorts = {
      clock,
      secrets: new SecretsManagerSecretStore(live.clients.secretsManager, signal, live.writes),
      publisher: new EventBridgePublisher(live.clients.eventBridge, live.eventBusName, signal),
      credentials: live.credentials,
      log,
    };

    if (isProtocolEvent(event)) {
      const { step, target, versionId } = parseProtocolEvent(event, kind, live.config.tokens);
      const family = families.get(target.family);
      if (!family) throw new Error(`no adapter for family ${target.family}`);
      const outcome = await runProtocolStep(target, family, ports, step, versionId);
      log.info('rotation step finished', { step, tokenId: target.id, versionId, did: outcome.did });
      if (outcome.result) {
        // A rotation Secrets Manager drove to its end counts like one token of a run.
        const observed = new RunMetrics(context.functionName, kind, live.config.tokens);
        observed.record({ target, policy: family.policy(target), result: outcome.result }, clock.now());
        metrics.emit(observed.drain());
      }
      return redactor.redactDeep(outcome);
    }

    const work = isWorkEvent(event)
      ? parseWorkEvent(event, kind, live.config.tokens, { queueArn: live.workQueueArn, now: clock.now() })
      : undefined;
    if (work && work.unknown.length > 0) {
      log.warn('the work message names tokens this function no longer manages; they are left alone', {
        tokenIds: work.unknown,
      });
    }
    const request = work ?? parseRotationEvent(event, kind, live.config.tokens);
    const progress = newRunProgress(request.targets, {
      trigger: request.trigger,
      force: request.force,
      dryRun: request.dryRun,
      startedAt: work?.startedAt ?? clock.now(),
      signal,
    });
    // Work from the queue is done here; only a sweep hands work out.
    const workQueue: WorkQueue | undefined =
      !work && live.workQueueUrl ? new SqsWorkQueue(live.clients.sqs, live.workQueueUrl, signal) : undefined;
    inFlight = progress;
    const observed = new RunMetrics(context.functionName, kind, live.config.tokens);
    inFlightMetrics = observed;
    const report = await runRotations(progress, families, ports, {
      concurrency: TOKENS_AT_ONCE,
      shouldStop: () => signal.aborted || context.getRemainingTimeInMillis() < deadlines.stopStartingWorkMs,
      onResult: (finished) => observed.record(finished, clock.now()),
      workQueue,
    });
    inFlight = undefined;
    metrics.emit(observed.drain());
    log.info('rotation run finished', {
      trigger: report.trigger,
      dryRun: report.dryRun,
      force: report.force,
      summary: report.summary,
      notReached: report.notReached,
      ...(work ? { store: work.targets[0]?.storeHash } : {}),
    });
    return redactor.redactDeep(report);
  };

  /** Cut off before the deadline: say what was done, what was interrupted and what was not reached. */
  const timeoutEarlyResponse = (): RunReport => {
    if (!inFlight) throw new Error('the invocation reached its deadline before it started rotating');
    const report = reportOf(inFlight);
    inFlight = undefined;
    if (inFlightMetrics) metrics.emit(inFlightMetrics.drain());
    log.warn('rotation run cut off before the deadline', {
      summary: report.summary,
      interrupted: report.interrupted,
      notReached: report.notReached,
    });
    return redactor.redactDeep(report);
  };

  return middy<unknown, RunReport | ProtocolOutcome, Error, Context>({
    timeoutEarlyInMillis: deadlines.timeoutEarlyMs,
    timeoutEarlyResponse,
  }).handler(rotate);
}
