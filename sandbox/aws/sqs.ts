import { createHash, randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import { AwsError } from './errors';
import { type Input, optionalArray, optionalInteger, requiredString } from './input';

/**
 * Amazon SQS, the JSON protocol operations a rotator's work queue uses: CreateQueue, SendMessageBatch,
 * ReceiveMessage, DeleteMessage. Rules quote the SQS API reference; where the sandbox is simpler than SQS it
 * says so: no long polling (ReceiveMessage answers at once), no message attributes, standard queues only
 * (delivery here is in order and exactly once, which SQS does not promise; the product relies on neither).
 */
interface Message {
  messageId: string;
  body: string;
  md5: string;
  sentAt: number;
  receiveCount: number;
  /** Epoch ms before which the message is invisible (received and not yet deleted). */
  invisibleUntil: number;
  receiptHandle: string | undefined;
}

interface Queue {
  name: string;
  url: string;
  visibilityTimeoutSeconds: number;
  messages: Message[];
}

/** SendMessageBatch: "You can send up to 10 messages". */
const MAX_BATCH = 10;
/**
 * The batch's total payload limit. SQS documented 262,144 bytes (256 KiB) for years; the sandbox keeps that
 * lower figure, so a batch it accepts is accepted by SQS before and after any raise of the limit.
 */
const MAX_BATCH_BYTES = 262_144;
/** "The Id ... can contain alphanumeric characters, hyphens and underscores" and is up to 80 characters. */
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** CreateQueue's VisibilityTimeout attribute: "0 to 43,200 (12 hours). Default: 30." */
const DEFAULT_VISIBILITY_SECONDS = 30;

export class Sqs {
  private readonly queues = new Map<string, Queue>();
  readonly operations: Record<string, (input: Input) => Record<string, unknown>>;

  constructor(
    private readonly clock: SandboxClock,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    this.operations = {
      CreateQueue: (i) => this.createQueue(i),
      SendMessageBatch: (i) => this.sendMessageBatch(i),
      ReceiveMessage: (i) => this.receiveMessage(i),
      DeleteMessage: (i) => this.deleteMessage(i),
    };
  }

  /** Messages not yet deleted, for tests. */
  depth(queueName: string): number {
    return this.queues.get(queueName)?.messages.length ?? 0;
  }

  private createQueue(input: Input): Record<string, unknown> {
    const name = requiredString(input, 'QueueName');
    // "Queue URLs and names are case-sensitive"; up to 80 alphanumeric characters, hyphens and underscores.
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new AwsError(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const attributes = (input.Attributes ?? {}) as Record<string, unknown>;
    const visibility = Number(attributes.VisibilityTimeout ?? DEFAULT_VISIBILITY_SECONDS);
    if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200) {
      throw new AwsError('InvalidAttributeValue', 'Invalid value for the parameter VisibilityTimeout.');
    }
    // "If you provide the name of an existing queue along with the exact names and values of all the queue's
    // attributes, CreateQueue returns the queue URL for the existing queue."
    const existing = this.queues.get(name);
    if (existing) return { QueueUrl: existing.url };
    const url = `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${name}`;
    this.queues.set(name, { name, url, visibilityTimeoutSeconds: visibility, messages: [] });
    return { QueueUrl: url };
  }

  private queueOf(input: Input): Queue {
    const url = requiredString(input, 'QueueUrl');
    const queue = this.queues.get(url.split('/').pop() ?? '');
    if (!queue) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private sendMessageBatch(input: Input): Record<string, unknown> {
    const queue = this.queueOf(input);
    const entries = (optionalArray(input, 'Entries') ?? []) as Input[];
    if (entries.length === 0) throw new AwsError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
    if (entries.length > MAX_BATCH) {
      throw new AwsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH}.`);
    }
    const ids = entries.map((e) => requiredString(e, 'Id'));
    if (ids.some((id) => !BATCH_ENTRY_ID.test(id))) {
      throw new AwsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (new Set(ids).size !== ids.length) {
      throw new AwsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    }
    const bodies = entries.map((e) => requiredString(e, 'MessageBody'));
    const bytes = bodies.reduce((sum, b) => sum + Buffer.byteLength(b, 'utf8'), 0);
    if (bytes > MAX_BATCH_BYTES) {
      throw new AwsError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes.`);
    }
    const successful = bodies.map((body, i) => {
      const message: Message = {
        messageId: randomUUID(),
        body,
        md5: createHash('md5').update(body, 'utf8').digest('hex'),
        sentAt: this.clock.nowMs(),
        receiveCount: 0,
        invisibleUntil: 0,
        receiptHandle: undefined,
      };
      queue.messages.push(message);
      return { Id: ids[i], MessageId: message.messageId, MD5OfMessageBody: message.md5 };
    });
    return { Successful: successful, Failed: [] };
  }

  private receiveMessage(input: Input): Record<string, unknown> {
    const queue = this.queueOf(input);
    // "MaxNumberOfMessages: The maximum number of messages to return ... Valid values: 1 to 10. Default: 1."
    const max = optionalInteger(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const visibility = optionalInteger(input, 'VisibilityTimeout', 0, 43_200) ?? queue.visibilityTimeoutSeconds;
    const now = this.clock.nowMs();
    const visible = queue.messages.filter((m) => m.invisibleUntil <= now).slice(0, max);
    for (const m of visible) {
      m.receiveCount += 1;
      m.invisibleUntil = now + visibility * 1000;
      m.receiptHandle = randomUUID();
    }
    // "MessageSystemAttributeNames: A list of attributes that need to be returned along with each message"
    // (`All` for all); the deprecated AttributeNames still works. Only the two the sandbox keeps are known.
    const asked = [
      ...((optionalArray(input, 'MessageSystemAttributeNames') ?? []) as string[]),
      ...((optionalArray(input, 'AttributeNames') ?? []) as string[]),
    ];
    const wants = (name: string) => asked.includes(name) || asked.includes('All');
    return {
      Messages: visible.map((m) => {
        const attributes = {
          ...(wants('ApproximateReceiveCount') ? { ApproximateReceiveCount: String(m.receiveCount) } : {}),
          ...(wants('SentTimestamp') ? { SentTimestamp: String(m.sentAt) } : {}),
        };
        return {
          MessageId: m.messageId,
          ReceiptHandle: m.receiptHandle,
          MD5OfBody: m.md5,
          Body: m.body,
          ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
        };
      }),
    };
  }

  private deleteMessage(input: Input): Record<string, unknown> {
    const queue = this.queueOf(input);
    const handle = requiredString(input, 'ReceiptHandle');
    const index = queue.messages.findIndex((m) => m.receiptHandle === handle);
    // "ReceiptHandleIsInvalid: The specified receipt handle isn't valid."
    if (index < 0) throw new AwsError('ReceiptHandleIsInvalid', "The specified receipt handle isn't valid.");
    queue.messages.splice(index, 1);
    return {};
  }
}
