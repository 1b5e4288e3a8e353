import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { redactor } from '../observability/redaction';
import { EVENT_SOURCE } from '../config/types';
import type { EventPublisher, RotationEvent } from '../rotation/events';

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

const MAX_ENTRIES_PER_CALL = 10;

/**
 * PutEvents on the product's bus, in batches of 10, retrying entries that failed individually once. One
 * per invocation: its calls end when the invocation is cut off.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly signal?: AbortSignal,
  ) {}

  async publish(events: RotationEvent[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((e) => ({
      EventBusName: this.eventBusName,
      Source: EVENT_SOURCE,
      DetailType: e.detailType,
      Detail: JSON.stringify(redactor.redactDeep(e.detail)),
      ...(e.resources ? { Resources: e.resources } : {}),
    }));
    for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_CALL) {
      let batch = entries.slice(i, i + MAX_ENTRIES_PER_CALL);
      for (let attempt = 1; batch.length > 0; attempt += 1) {
        const out = await this.client.send(
          new PutEventsCommand({ Entries: batch }),
          this.signal ? { abortSignal: this.signal } : {},
        );
        const failed = batch.filter((_, index) => out.Entries?.[index]?.ErrorCode);
        if (failed.length === 0) break;
        if (attempt === 2) {
          const codes = [...new Set(out.Entries?.map((e) => e.ErrorCode).filter(Boolean))].join(', ');
          throw new EventPublishError(
            `EventBridge refused ${failed.length} event(s) on bus ${this.eventBusName}: ${codes}`,
          );
        }
        batch = failed;
      }
    }
  }
}
