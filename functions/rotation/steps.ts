/**
 * The steps that write, each one call or two (docs/design.md "How a rotation works" numbers them): claim
 * (3), mint and stage (4, 5), verify (6), promote (7), and the labels and release that keep the secret legible.
 */

import { randomUUID } from 'node:crypto';
import type { ManagedToken } from '../config/types';
import { describeError, redactor } from '../observability/redaction';
import { CLAIM_LEASE_MS, type ClaimRecord, claimValue, nextClaimId } from './claim';
import type { Rotation } from './context';
import { failureFacts, failureReason, type RotationStep } from './failure';
import type { MintedToken } from './family';
import { describeWhole } from './read-secret';
import type { SecretState, Staged } from './secret-state';
import {
  ClaimConflictError,
  PromotionConflictError,
  STAGES,
  type SecretDescription,
  stageHolder,
} from './secret-store';
import { STORED_TOKEN_SCHEMA_VERSION, type StoredToken, serializeStoredToken } from './stored-token';

/** A step failed; carries which one, for the result and the failure event. */
export class StepFailure extends Error {
  constructor(
    readonly step: RotationStep,
    readonly error: unknown,
  ) {
    super(describeError(error).message);
  }
}

/** Another invocation promoted first; carries what this run had staged. */
export class LostPromotion extends Error {
  override readonly name = 'LostPromotion';

  constructor(
    readonly currentVersionId: string | undefined,
    readonly staged: Staged,
  ) {
    super(`another invocation promoted version ${currentVersionId ?? '(none)'} first`);
  }
}

/** Runs a step, naming it when it fails; once the invocation is cut off, no further step starts. */
export async function step<R>(rotation: Rotation, name: RotationStep, work: () => Promise<R>): Promise<R> {
  if (rotation.options.signal?.aborted) {
    throw new StepFailure(name, new Error('the invocation was cut off before this step'));
  }
  try {
    return await work();
  } catch (error) {
    if (error instanceof StepFailure || error instanceof ClaimConflictError) throw error;
    if (error instanceof PromotionConflictError || error instanceof LostPromotion) throw error;
    throw new StepFailure(name, error);
  }
}

/**
 * Step 3: writes this run's claim on the state it read and returns the claim version, which holds the claim
 * label. A claim made to promote a version staged earlier (`promotes`) is also the record of that promotion
 * (promotion.ts). Throws ClaimConflictError when another run claimed the same state first.
 */
export async function claimRotation(
  rotation: Rotation,
  secret: SecretState,
  now: Date,
  promotes?: string,
): Promise<string> {
  const { target, ports } = rotation;
  const versionId = nextClaimId(target.secretName, secret.description, secret.current.versionId);
  const value = claimValue(target, claimRecord(secret, now, promotes));
  await step(rotation, 'claim', () => ports.secrets.claim(target.secretName, value, versionId, promotes !== undefined));
  return versionId;
}

/**
 * Before step 7 when the promotion of `staged` may come later than its mint time says (promotion.ts): records
 * it, so the superseded token's grace period counts from it. No promotion without its record.
 */
export async function recordPromotion(rotation: Rotation, secret: SecretState, staged: Staged): Promise<void> {
  const { target, ports } = rotation;
  const value = claimValue(target, claimRecord(secret, ports.clock.now(), staged.versionId));
  await step(rotation, 'promote', () => ports.secrets.recordPromotion(target.secretName, value, randomUUID()));
}

/** What a run acting on `secret` from `now` writes of itself: no longer than its lease. */
function claimRecord(secret: SecretState, now: Date, promotes: string | undefined): ClaimRecord {
  return {
    claimedAt: now.toISOString(),
    leaseUntil: new Date(now.getTime() + CLAIM_LEASE_MS).toISOString(),
    basedOnVersionId: secret.current.versionId,
    runId: randomUUID(),
    ...(promotes !== undefined ? { promotes } : {}),
  };
}

/**
 * Gives up this run's claim (on `claimVersionId`) after a failure, so the next run need not wait for the
 * lease. Returns the warning when it could not.
 */
export async function releaseClaim(rotation: Rotation, secret: SecretState, claimVersionId: string): Promise<string[]> {
  if (rotation.options.dryRun) return [];
  try {
    const releasedHolder = stageHolder(await describeWhole(rotation, secret), STAGES.released);
    await rotation.ports.secrets.release(rotation.target.secretName, claimVersionId, releasedHolder);
    return [];
  } catch (error) {
    const reason = failureReason(failureFacts('claim', error));
    return [`could not release this run's claim; the next run waits for its lease (${reason})`];
  }
}

/**
 * Steps 4 and 5: mints a token and stages it as version `versionId`, labelled AWSPENDING; the claim label
 * moves with it, so the staged version holds this run's claim from here on.
 */
export async function mintAndStage(rotation: Rotation, versionId: string): Promise<Staged> {
  const { target, family, ports, context } = rotation;
  const mintedAt = ports.clock.now();
  const minted = await step(rotation, 'mint', () => family.mint(target, context, mintedAt));
  redactor.add(minted.token);
  const stored = storedToken(target, minted, mintedAt);
  const staged = await step(rotation, 'stage', () =>
    ports.secrets.stagePending(target.secretName, serializeStoredToken(stored), versionId),
  );
  return { versionId: staged, stored, revoked: false };
}

/** Step 6: the token works at BigCommerce, or the step fails and the token is never promoted. */
export async function verify(rotation: Rotation, staged: Staged): Promise<void> {
  await step(rotation, 'verify', () => rotation.family.verify(rotation.target, staged.stored, rotation.context));
}

/**
 * Step 7: moves AWSCURRENT to the staged version if it is still on `expectedCurrent` (a compare-and-swap).
 * Throws LostPromotion when another invocation promoted first.
 */
export async function promote(rotation: Rotation, staged: Staged, expectedCurrent: string): Promise<void> {
  const name = rotation.target.secretName;
  try {
    await step(rotation, 'promote', () => rotation.ports.secrets.promote(name, staged.versionId, expectedCurrent));
  } catch (error) {
    if (error instanceof PromotionConflictError) throw new LostPromotion(error.currentVersionId, staged);
    throw error;
  }
}

/**
 * Moves one of this product's labels to `versionId`, from its holder in the secret's whole description
 * (`described`). Returns the warning when it could not: the next run retries.
 */
export async function labelVersion(
  rotation: Rotation,
  described: () => Promise<SecretDescription>,
  label: string,
  versionId: string,
): Promise<string[]> {
  try {
    const holder = stageHolder(await described(), label);
    if (holder !== versionId)
      await rotation.ports.secrets.moveLabel(rotation.target.secretName, label, versionId, holder);
    return [];
  } catch (error) {
    return [`could not label version ${versionId} ${label}: ${failureReason(failureFacts('cleanup', error))}`];
  }
}

function storedToken(target: ManagedToken, minted: MintedToken, now: Date): StoredToken {
  return {
    schemaVersion: STORED_TOKEN_SCHEMA_VERSION,
    token: minted.token,
    tokenId: target.id,
    family: target.family,
    storeHash: target.storeHash,
    mintedAt: now.toISOString(),
    expiresAt: minted.expiresAt ? minted.expiresAt.toISOString() : null,
    usage: minted.usage,
    details: minted.details,
  };
}
