export type RotationEventType = 'Token Rotated' | 'Token Rotation Failed' | 'Stale Token Revoked';

export interface RotationEvent {
  detailType: RotationEventType;
  /** Ids, names, versions and dates; never a token value. */
  detail: Record<string, unknown>;
  /** ARNs the event is about (the secret). */
  resources?: string[];
}

/** The announcing port; aws/event-publisher.ts implements it with EventBridge. */
export interface EventPublisher {
  publish(events: RotationEvent[]): Promise<void>;
}
