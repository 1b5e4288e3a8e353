/** What a rotation announces on the bus (schemas/ describes each detail), and the port it announces through. */

import type { ManagedToken } from '../config/types';
import type { FailureFacts } from './failure';
import type { RevokedToken, VersionState } from './family';
import type { SecretDescription } from './secret-store';
import type { StoredToken } from './stored-token';

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

/** What started a rotation; every event says it. */
export type Trigger = 'schedule' | 'manual' | 'secrets-manager';

/** A token promoted to AWSCURRENT: staged by this run, or by an earlier one and resumed. */
export function rotatedEvent(
  target: ManagedToken,
  trigger: Trigger,
  description: SecretDescription,
  promoted: { versionId: string; stored: StoredToken },
  resumed: boolean,
): RotationEvent {
  return {
    detailType: 'Token Rotated',
    detail: {
      ...eventIds(target, description),
      versionId: promoted.versionId,
      expiresAt: promoted.stored.expiresAt,
      mintedAt: promoted.stored.mintedAt,
      resumed,
      trigger,
    },
    resources: [description.arn],
  };
}

/** A rotation failed at a step; the secret as far as it was read (none when the read failed first). */
export function failedEvent(
  target: ManagedToken,
  trigger: Trigger,
  secret: { description: SecretDescription; current: VersionState } | undefined,
  facts: FailureFacts,
): RotationEvent {
  return {
    detailType: 'Token Rotation Failed',
    detail: {
      ...eventIds(target, secret?.description),
      step: facts.step,
      error: facts,
      currentVersionId: secret?.current.stored ? secret.current.versionId : null,
      currentExpiresAt: secret?.current.stored?.expiresAt ?? null,
      trigger,
    },
    resources: secret ? [secret.description.arn] : [],
  };
}

/** A superseded token the cleanup revoked. */
export function revokedEvent(
  target: ManagedToken,
  trigger: Trigger,
  description: SecretDescription,
  revoked: RevokedToken,
): RotationEvent {
  return {
    detailType: 'Stale Token Revoked',
    detail: {
      ...eventIds(target, description),
      revoked: revoked.description,
      versionId: revoked.versionId ?? null,
      trigger,
    },
    resources: [description.arn],
  };
}

function eventIds(target: ManagedToken, description: SecretDescription | undefined): Record<string, unknown> {
  return {
    tokenId: target.id,
    storeHash: target.storeHash,
    family: target.family,
    secretName: target.secretName,
    secretArn: description?.arn ?? null,
  };
}
