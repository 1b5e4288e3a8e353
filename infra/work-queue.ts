import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../functions/config/types';
import { WORK_RETENTION_SECONDS, mayFanOut } from '../functions/rotation/fan-out';

/**
 * Invocations of one function that work its queue at the same time: Lambda's SQS event source mapping
 * starts no more than this many (its `maximumConcurrency`), whatever the queue holds.
 */
export const WORK_QUEUE_CONCURRENCY = 5;

/**
 * Secrets Manager allows an account 50 PutSecretValue and UpdateSecretVersionStage calls a second in all, not
 * adjustable. The product keeps to 40 of them, leaving the rest to the account's other users; each invocation
 * takes an equal share, so the work-queue invocations together never exceed it.
 */
export const ACCOUNT_WRITES_PER_SECOND = 40;

/** How a configuration's functions hand work out (see fanOutPlan). */
export interface FanOutPlan {
  /** Per function: whether it gets a work queue, which only a function whose tokens may fan out needs. */
  workQueue: ReadonlyMap<RotatorKind, boolean>;
  /**
   * Each writing invocation's share of ACCOUNT_WRITES_PER_SECOND, in hundredths: the functions may all run at
   * once, each with WORK_QUEUE_CONCURRENCY invocations when it has a work queue and one when it has not (its
   * sweep). Secrets Manager's own rotations of a single token write three times and are not counted.
   */
  writesPerSecond: number;
}

export function fanOutPlan(tokens: readonly ManagedToken[]): FanOutPlan {
  const workQueue = new Map<RotatorKind, boolean>();
  for (const kind of new Set(tokens.map((t) => FAMILY_ROTATOR[t.family]))) {
    workQueue.set(kind, mayFanOut(tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind)));
  }
  const writers = [...workQueue.values()].reduce((n, queue) => n + (queue ? WORK_QUEUE_CONCURRENCY : 1), 0);
  return { workQueue, writesPerSecond: Math.floor((ACCOUNT_WRITES_PER_SECOND * 100) / Math.max(1, writers)) / 100 };
}

export interface WorkQueueProps {
  fn: lambda.Function;
  /** Where messages go after three failed receipts: the function's dead-letter queue, watched by its alarm. */
  deadLetterQueue: sqs.IQueue;
  /** The function's timeout: a message stays invisible for six times as long while it is worked. */
  functionTimeout: Duration;
}

/**
 * A rotator's work queue, for a function whose tokens can be handed out (mayFanOut): a sweep with many tokens to rotate across stores sends one message per store, and
 * Lambda's event source mapping invokes the same function with each message, one message per invocation, at
 * most WORK_QUEUE_CONCURRENCY at once. An empty queue still costs the mapping's polling (SQS requests, no
 * invocations), which is why a function that can never fan out has none.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's advice for an event source: at least six times the function's timeout, so a message is not
      // received again while an invocation (and its retries by the mapping) still works on it.
      visibilityTimeout: Duration.seconds(props.functionTimeout.toSeconds() * 6),
      // The next sweep plans afresh; work older than this is stale, not lost.
      retentionPeriod: Duration.seconds(WORK_RETENTION_SECONDS),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: 3 },
    });
    this.queue.grantSendMessages(props.fn);
    const role = props.fn.role;
    if (!role) throw new Error(`${props.fn.node.path} has no role of its own to send to its work queue`);
    // The function obeys a message as its own sweep's work (force included), so only the function's role may
    // send one: an explicit Deny in the queue's policy overrides whatever identity policies in the account
    // allow. It names sqs:SendMessage alone (SendMessageBatch is authorised as SendMessage): the event source
    // mapping receives and deletes with the function's role, and administrators keep managing the queue.
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheFunctionSends',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
    props.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, maxConcurrency: WORK_QUEUE_CONCURRENCY }));
    // Not secrets: the queue's URL, where a sweep sends, and its ARN, the one event source the function obeys.
    props.fn.addEnvironment('WORK_QUEUE_URL', this.queue.queueUrl);
    props.fn.addEnvironment('WORK_QUEUE_ARN', this.queue.queueArn);
  }
}
