import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StoreWork, WorkQueue } from '../rotation/fan-out';

/** SendMessageBatch takes at most 10 messages a call (SQS API reference). */
const BATCH_SIZE = 10;

/** The function's SQS work queue. Messages name stores and token ids, never a token or a credential. */
export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly signal?: AbortSignal,
  ) {}

  async send(work: StoreWork[]): Promise<{ unsent: StoreWork[]; error?: unknown }> {
    const unsent: StoreWork[] = [];
    let error: unknown;
    for (let i = 0; i < work.length; i += BATCH_SIZE) {
      const batch = work.slice(i, i + BATCH_SIZE);
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: batch.map((w, j) => ({ Id: String(j), MessageBody: JSON.stringify(w) })),
          }),
          this.signal ? { abortSignal: this.signal } : {},
        );
        for (const failed of out.Failed ?? []) {
          unsent.push(batch[Number(failed.Id)] as StoreWork);
          error ??= new Error(`SQS refused a message: ${failed.Code ?? 'unknown code'}`);
        }
      } catch (sendError) {
        unsent.push(...batch);
        error ??= sendError;
      }
    }
    return error === undefined ? { unsent } : { unsent, error };
  }
}
