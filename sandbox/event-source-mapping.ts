import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** What a work-queue drain did. */
export interface DrainReport {
  /** Function invocations, one per message. */
  invocations: number;
  /** Invocations that threw: their messages stay in the queue, as Lambda leaves them for a retry. */
  failures: number;
  /** The most invocations that ran at the same time. */
  maxInFlight: number;
}

export interface DrainOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  /** The event source mapping's maximum concurrency: invocations at once. */
  maxConcurrency: number;
  /**
   * Invokes the function with an SQS event, as Lambda would; `instance` (0 to maxConcurrency - 1) is the
   * execution environment: an instance runs one invocation at a time, as a Lambda container does.
   */
  invoke: (event: unknown, instance: number) => Promise<unknown>;
}

/**
 * What Lambda's SQS event source mapping does for a rotator's work queue, run locally against any SQS
 * endpoint (the sandbox's or moto's): receive one message, invoke the function with it (batch size 1), delete
 * it when the invocation succeeds, with at most `maxConcurrency` invocations at once. Returns once the queue
 * has nothing visible left. A failed invocation's message is left in the queue (Lambda would retry it after
 * the visibility timeout, then move it to the dead-letter queue); a local drain does not wait for that.
 */
export async function drainWorkQueue(options: DrainOptions): Promise<DrainReport> {
  const report: DrainReport = { invocations: 0, failures: 0, maxInFlight: 0 };
  let inFlight = 0;
  const poller = async (instance: number): Promise<void> => {
    for (;;) {
      const out = await options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 1,
          VisibilityTimeout: 900,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      const message = out.Messages?.[0];
      if (!message?.ReceiptHandle) return;
      inFlight += 1;
      report.maxInFlight = Math.max(report.maxInFlight, inFlight);
      report.invocations += 1;
      try {
        await options.invoke({ Records: [sqsRecord(message, options.queueArn)] }, instance);
        await options.client.send(
          new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      } catch {
        report.failures += 1;
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.maxConcurrency }, (_, instance) => poller(instance)));
  return report;
}

/** The record Lambda builds for one SQS message (the shape of `SQSRecord` in @types/aws-lambda). */
export function sqsRecord(
  message: {
    MessageId?: string;
    ReceiptHandle?: string;
    Body?: string;
    MD5OfBody?: string;
    Attributes?: Record<string, string>;
  },
  queueArn: string,
) {
  const now = String(Date.now());
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? now,
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3],
  };
}
