import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

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
export const WRITES_PER_SECOND_PER_INVOCATION = ACCOUNT_WRITES_PER_SECOND / WORK_QUEUE_CONCURRENCY;

export interface WorkQueueProps {
  fn: lambda.Function;
  /** Where messages go after three failed receipts: the function's dead-letter queue, watched by its alarm. */
  deadLetterQueue: sqs.IQueue;
  /** The function's timeout: a message stays invisible for six times as long while it is worked. */
  functionTimeout: Duration;
}

/**
 * A rotator's work queue: a sweep with many tokens to rotate across stores sends one message per store, and
 * Lambda's event source mapping invokes the same function with each message, one message per invocation, at
 * most WORK_QUEUE_CONCURRENCY at once. An empty queue costs the mapping's polling only (SQS requests, no
 * invocations).
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
      retentionPeriod: Duration.hours(4),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: 3 },
    });
    this.queue.grantSendMessages(props.fn);
    props.fn.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, maxConcurrency: WORK_QUEUE_CONCURRENCY }));
    // Neither is a secret: the queue's URL and a number.
    props.fn.addEnvironment('WORK_QUEUE_URL', this.queue.queueUrl);
    props.fn.addEnvironment('SECRETS_WRITES_PER_SECOND', String(WRITES_PER_SECOND_PER_INVOCATION));
  }
}
