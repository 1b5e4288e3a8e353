import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type AwsClientOptions, DEFAULT_AWS_CLIENT_OPTIONS } from '../aws/clients';
import { SqsWorkQueue } from '../aws/work-queue';
import type { RetryPolicy } from '../bigcommerce/http';
import type { ManagedToken, RotatorKind } from '../config/types';
import { defaultMetricsEmitter } from '../observability/emf-metrics';
import { RedactingLogger } from '../observability/logger';
import { redactor } from '../observability/redaction';
import type { MetricsEmitter } from '../observability/rotation-metrics';
import { type Clock, systemClock } from '../rotation/clock';
import type { FamilyAdapter } from '../rotation/family';
import type { WorkQueue } from '../rotation/fan-out';
import { type ProtocolOutcome, runProtocolStep } from '../rotation/rotate-token';
import { type RunReport, newRunProgress, reportOf, runRotations } from '../rotation/run';
import { RunMetrics } from '../rotation/run-metrics';
import { type RotationRequest, parseRotationEvent } from './event';
import { type FamilyAdapterFactory, type FamilyAdapters, familiesOf } from './families';
import { isProtocolEvent, parseProtocolEvent } from './protocol-event';
import { type Container, DEFAULT_DEADLINES, type DeadlineSettings, type Invocation, begin } from './runtime';
import { isWorkEvent, parseWorkEvent } from './work-event';

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
 * The Lambda handler of one rotator function: parse the event (refusing bad ones before any side effect) and
 * answer Secrets Manager's step, do the work-queue message's tokens, or run the sweep. Near the deadline a run
 * starts no new token, and middy's timeout-early cuts it off in time to return what it did and did not reach.
 * Thin by design: the flow lives in rotation/, the BigCommerce calls in bigcommerce/ and families/.
 */
function createFunctionHandler(kind: RotatorKind, families: FamilyAdapterFactory, dependencies: RotatorDependencies) {
  const log = dependencies.log ?? new RedactingLogger();
  const container: Container = {
    kind,
    families,
    log,
    clock: dependencies.clock ?? systemClock,
    deadlines: { ...DEFAULT_DEADLINES, ...dependencies.deadlines },
    metrics: dependencies.metrics ?? defaultMetricsEmitter(dependencies.env ?? process.env, log),
    env: dependencies.env,
    aws: { ...DEFAULT_AWS_CLIENT_OPTIONS, ...dependencies.aws },
    retry: dependencies.retry,
  };
  const handle = async (event: unknown, context: Context, { signal }: { signal: AbortSignal }) => {
    const invocation = begin(container, context, signal);
    if (isProtocolEvent(event)) return answerProtocolStep(container, invocation, event);
    if (isWorkEvent(event)) return doWork(container, invocation, event);
    return sweep(container, invocation, event);
  };
  return middy<unknown, RunReport | ProtocolOutcome, Error, Context>({
    timeoutEarlyInMillis: container.deadlines.timeoutEarlyMs,
    timeoutEarlyResponse: () => cutOff(container),
  }).handler(handle);
}

/** Secrets Manager asks for one step of its rotation of one token. */
async function answerProtocolStep(
  container: Container,
  invocation: Invocation,
  event: unknown,
): Promise<ProtocolOutcome> {
  const { kind, log, clock } = container;
  const { tokens } = invocation.runtime.config;
  const { step, target, versionId } = parseProtocolEvent(event, kind, tokens);
  const family = familyOf(invocation.families, target);
  const outcome = await runProtocolStep(target, family, invocation.ports, step, versionId);
  log.info('rotation step finished', { step, tokenId: target.id, versionId, did: outcome.did });
  if (outcome.result) {
    // A rotation Secrets Manager drove to its end counts like one token of a run.
    const observed = new RunMetrics(invocation.context.functionName, kind, tokens);
    observed.record({ target, policy: family.policy(target), result: outcome.result }, clock.now());
    container.metrics.emit(observed.drain());
  }
  return redactor.redactDeep(outcome);
}

/** The work queue delivers one store's tokens a sweep handed out: they are rotated as that sweep would have. */
async function doWork(container: Container, invocation: Invocation, event: { Records: unknown[] }): Promise<RunReport> {
  const { runtime } = invocation;
  const context = { queueArn: runtime.workQueueArn, now: container.clock.now() };
  const work = parseWorkEvent(event, container.kind, runtime.config.tokens, context);
  if (work.unknown.length > 0) {
    container.log.warn('the work message names tokens this function no longer manages; they are left alone', {
      tokenIds: work.unknown,
    });
  }
  // Work from the queue is done here; only a sweep hands work out.
  return run(container, invocation, work, { startedAt: work.startedAt, logged: { store: work.targets[0]?.storeHash } });
}

/** A scheduled or manual run of the tokens it names; with a work queue, a large one hands work out. */
async function sweep(container: Container, invocation: Invocation, event: unknown): Promise<RunReport> {
  const { runtime, signal } = invocation;
  const request = parseRotationEvent(event, container.kind, runtime.config.tokens);
  const url = runtime.workQueueUrl;
  const workQueue = url ? new SqsWorkQueue(runtime.clients.sqs, url, signal) : undefined;
  return run(container, invocation, request, { startedAt: container.clock.now(), workQueue, logged: {} });
}

/** Rotates the request's tokens, a few at a time, recording each result's metrics; reports the run. */
async function run(
  container: Container,
  { context, signal, runtime, ports, families }: Invocation,
  request: RotationRequest,
  how: { startedAt: Date; workQueue?: WorkQueue; logged: Record<string, unknown> },
): Promise<RunReport> {
  const { trigger, force, dryRun, targets } = request;
  const progress = newRunProgress(targets, { trigger, force, dryRun, startedAt: how.startedAt, signal });
  const observed = new RunMetrics(context.functionName, container.kind, runtime.config.tokens);
  container.inFlight = { progress, metrics: observed };
  const report = await runRotations(progress, families, ports, {
    concurrency: TOKENS_AT_ONCE,
    shouldStop: () => signal.aborted || context.getRemainingTimeInMillis() < container.deadlines.stopStartingWorkMs,
    onResult: (finished) => observed.record(finished, container.clock.now()),
    workQueue: how.workQueue,
  });
  container.inFlight = undefined;
  container.metrics.emit(observed.drain());
  const { summary, notReached } = report;
  container.log.info('rotation run finished', { trigger, dryRun, force, summary, notReached, ...how.logged });
  return redactor.redactDeep(report);
}

/** Cut off before the deadline: say what was done, what was interrupted and what was not reached. */
function cutOff(container: Container): RunReport {
  const inFlight = container.inFlight;
  if (!inFlight) throw new Error('the invocation reached its deadline before it started rotating');
  const report = reportOf(inFlight.progress);
  container.inFlight = undefined;
  container.metrics.emit(inFlight.metrics.drain());
  container.log.warn('rotation run cut off before the deadline', {
    summary: report.summary,
    interrupted: report.interrupted,
    notReached: report.notReached,
  });
  return redactor.redactDeep(report);
}

function familyOf(families: FamilyAdapters, target: ManagedToken): FamilyAdapter {
  const family = families.get(target.family);
  if (!family) throw new Error(`no adapter for family ${target.family}`);
  return family;
}
