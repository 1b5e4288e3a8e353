import { createHash } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsClient } from '../support/aws-clients';
import { useSandboxWithAws } from '../support/sandbox';

// The SQS rules the sandbox enforces for the work queue, each from the SQS API reference, through the real SDK.
// The conformance run (jest.moto.config.js) runs this file against moto as well, so the sandbox agrees with
// an implementation we did not write.

const started = useSandboxWithAws();
let sqs: SQSClient;
let queueUrl: string;
beforeAll(async () => {
  sqs = sqsClient(started().sandbox);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'rules' }))).QueueUrl as string;
});

const entries = (n: number): SendMessageBatchRequestEntry[] =>
  Array.from({ length: n }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${i}}` }));

async function rejection(entriesToSend: SendMessageBatchRequestEntry[]): Promise<string> {
  try {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entriesToSend }));
  } catch (error) {
    return (error as Error).name;
  }
  return 'accepted';
}

async function drain(): Promise<void> {
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!out.Messages?.length) return;
    for (const m of out.Messages)
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
  }
}

describe('SQS SendMessageBatch', () => {
  it('takes 1 to 10 entries: TooManyEntriesInBatchRequest above, EmptyBatchRequest for none', async () => {
    expect(await rejection(entries(11))).toBe('TooManyEntriesInBatchRequest');
    expect(await rejection([])).toBe('EmptyBatchRequest');
    expect(await rejection(entries(10))).toBe('accepted');
    await drain();
  });

  it('"Two or more batch entries in the request have the same Id": BatchEntryIdsNotDistinct', async () => {
    expect(await rejection([...entries(1), ...entries(1)])).toBe('BatchEntryIdsNotDistinct');
  });

  it('ids are alphanumeric, hyphens and underscores: InvalidBatchEntryId otherwise', async () => {
    expect(await rejection([{ Id: 'not valid', MessageBody: 'x' }])).toBe('InvalidBatchEntryId');
  });

  it('answers each entry with its message id and the MD5 of its body', async () => {
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(2) }));
    expect(out.Failed ?? []).toEqual([]);
    expect(out.Successful?.map((s) => [s.Id, s.MD5OfMessageBody])).toEqual(
      entries(2).map((e) => [
        e.Id,
        createHash('md5')
          .update(e.MessageBody as string)
          .digest('hex'),
      ]),
    );
    expect(out.Successful?.every((s) => typeof s.MessageId === 'string')).toBe(true);
    await drain();
  });
});

describe('SQS ReceiveMessage and DeleteMessage', () => {
  it('hides a received message for the visibility timeout, then delivers it again', async () => {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(1) }));
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 1 }));
    expect(first.Messages?.map((m) => m.Body)).toEqual(['{"n":0}']);
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(hidden.Messages ?? []).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(again.Messages?.[0]?.Body).toBe('{"n":0}');
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: again.Messages?.[0]?.ReceiptHandle }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages ?? []).toEqual([]);
  });

  it('"The specified receipt handle isn\'t valid": ReceiptHandleIsInvalid', async () => {
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'not-a-handle' })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  });

  it('"The specified queue does not exist": QueueDoesNotExist', async () => {
    const missing = queueUrl.replace(/rules$/, 'missing');
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: missing }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });
});
