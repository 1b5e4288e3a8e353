/**
 * How a rotation ends: its result, and step 9, the announcement of what it did. Every ending is built from
 * what the rotation has read and holds so far (Progress), handed in, never looked up.
 */

import { BigCommerceApiError } from '../bigcommerce/errors';
import { ROTATION_FAILED_MESSAGE } from '../observability/logger';
import { redactedExcerpt } from '../observability/redaction';
import { cleanUp } from './cleanup';
import { type Rotation, tokenIds } from './context';
import { nextDueAt } from './due';
import { failedEvent, type RotationEvent, rotatedEvent } from './events';
import { failureFacts, failureReason } from './failure';
import type { TargetResult } from './results';
import { type SecretState, type Staged, versionState } from './secret-state';
import { ClaimConflictError, type CurrentVersion, STAGES } from './secret-store';
import { LostPromotion, releaseClaim, StepFailure } from './steps';

/** What one rotation has read and holds so far: what its ending reports and gives up. */
export interface Progress {
  /** The secret as far as it was read; undefined when the read failed before AWSCURRENT. */
  secret: SecretState | undefined;
  /** The version holding this run's claim label, once it has claimed: what a failure gives up. */
  claimVersionId: string | undefined;
  /** Problems that did not stop the rotation, in the order they came. */
  warnings: readonly string[];
}

/** Progress once the secret was read. */
export type ReadProgress = Progress & { secret: SecretState };

/** The token's result, with AWSCURRENT as read unless `extra` says otherwise. */
export function result(
  rotation: Rotation,
  secret: SecretState | undefined,
  outcome: TargetResult['outcome'],
  reason: string,
  extra: Partial<TargetResult> = {},
): TargetResult {
  const current = secret?.current;
  return {
    ...tokenIds(rotation.target),
    outcome,
    reason,
    versionId: current?.stored ? current.versionId : undefined,
    expiresAt: current?.stored?.expiresAt,
    mintedAt: current?.stored?.mintedAt,
    ...extra,
  };
}

/** A paused token's result: nothing done, AWSCURRENT as the run's bulk read saw it (no call of its own). */
export function pausedResult(rotation: Rotation, preread: CurrentVersion | undefined, reason: string): TargetResult {
  const current = preread?.stages.includes(STAGES.current) ? preread : undefined;
  const stored = current && versionState(rotation.target, current.versionId, current.text, undefined).stored;
  const told = stored && { versionId: current.versionId, expiresAt: stored.expiresAt, mintedAt: stored.mintedAt };
  return result(rotation, undefined, 'skipped', reason, told);
}

/** The optional `revoked` and `warnings` fields of a result, present only when they say something. */
export function reported(
  revoked: string[] = [],
  warnings: readonly string[] = [],
): Pick<TargetResult, 'revoked' | 'warnings'> {
  return { ...(revoked.length > 0 ? { revoked } : {}), ...(warnings.length > 0 ? { warnings: [...warnings] } : {}) };
}

export function inProgress(rotation: Rotation, secret: SecretState | undefined, why: string): TargetResult {
  return result(rotation, secret, 'skipped', `in progress elsewhere: ${why}`);
}

/** Step 9: a failed announcement does not undo a rotation; it is reported as a warning, returned. */
export async function announce(rotation: Rotation, events: RotationEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  try {
    await rotation.ports.publisher.publish(events);
    return [];
  } catch (error) {
    const what = events.map((e) => e.detailType).join(', ');
    const message = `could not announce ${what}: ${failureReason(failureFacts('announce', error))}`;
    rotation.ports.log.error(message);
    return [message];
  }
}

/** After a promotion (step 7): clean up with the new version current (8), then announce (9). */
export async function finish(
  rotation: Rotation,
  { secret, warnings }: ReadProgress,
  reason: string,
  promoted: Staged,
  resumed: boolean,
): Promise<TargetResult> {
  const { target, family, options } = rotation;
  const rotated = rotatedEvent(target, options.trigger, secret.description, promoted, resumed);
  const cleanup = await cleanUp(rotation, secret, promoted, secret.current, true);
  const announced = await announce(rotation, [rotated, ...(cleanup?.events ?? [])]);
  return result(rotation, secret, 'rotated', reason, {
    versionId: promoted.versionId,
    expiresAt: promoted.stored.expiresAt,
    mintedAt: promoted.stored.mintedAt,
    nextDueAt: nextDueAt(family.policy(target), promoted.stored)?.toISOString() ?? null,
    ...(resumed ? { resumed: true } : {}),
    ...reported(cleanup?.revoked, [...warnings, ...announced, ...(cleanup?.warnings ?? [])]),
  });
}

/** How a rotation that threw ends: in progress elsewhere, lost to another promotion, or failed. */
export async function ended(rotation: Rotation, progress: Progress, error: unknown): Promise<TargetResult> {
  if (error instanceof ClaimConflictError) {
    return inProgress(rotation, progress.secret, 'another invocation claimed this rotation first');
  }
  if (error instanceof LostPromotion) return lostPromotion(rotation, progress, error);
  return failed(rotation, progress, asStepFailure(error));
}

/** A failure outside any step happened while reading or deciding: it is the read's. */
function asStepFailure(error: unknown): StepFailure {
  return error instanceof StepFailure ? error : new StepFailure('read', error);
}

/** A step failed: the claim is given up, the failure logged and announced as structured facts. */
export async function failed(rotation: Rotation, progress: Progress, failure: StepFailure): Promise<TargetResult> {
  const { target, ports, options } = rotation;
  const { secret, claimVersionId } = progress;
  const facts = failureFacts(failure.step, failure.error);
  const released = secret && claimVersionId !== undefined ? await releaseClaim(rotation, secret, claimVersionId) : [];
  ports.log.error(ROTATION_FAILED_MESSAGE, { ...tokenIds(target), step: facts.step, error: facts });
  if (failure.error instanceof BigCommerceApiError && failure.error.body !== undefined) {
    ports.log.debug('BigCommerce error body (redacted)', {
      tokenId: target.id,
      body: redactedExcerpt(failure.error.body, 2_000),
    });
  }
  const announced = options.dryRun
    ? []
    : await announce(rotation, [failedEvent(target, options.trigger, secret, facts)]);
  return result(rotation, secret, 'failed', failureReason(facts), {
    step: facts.step,
    error: facts,
    ...reported([], [...progress.warnings, ...released, ...announced]),
  });
}

/**
 * Another run promoted first (only possible when this run outlived its claim): what this run minted is
 * neither current nor previous, so it is revoked at once where the family can revoke.
 */
async function lostPromotion(rotation: Rotation, progress: Progress, error: LostPromotion): Promise<TargetResult> {
  const { target, family, ports, context } = rotation;
  ports.log.warn('another invocation rotated this token first', {
    ...tokenIds(target),
    currentVersionId: error.currentVersionId,
  });
  const revoked: string[] = [];
  const warnings = [...progress.warnings];
  const staged = error.staged;
  if (family.revokeMinted && staged.versionId === progress.claimVersionId) {
    try {
      revoked.push(await family.revokeMinted(target, staged.stored, context));
    } catch (revokeError) {
      const reason = failureReason(failureFacts('cleanup', revokeError));
      warnings.push(`could not revoke the token of version ${staged.versionId}, which lost the promotion: ${reason}`);
    }
  }
  return result(
    rotation,
    progress.secret,
    'skipped',
    `in progress elsewhere: another invocation promoted version ${error.currentVersionId ?? '(none)'} first`,
    { versionId: error.currentVersionId, ...reported(revoked, warnings) },
  );
}
