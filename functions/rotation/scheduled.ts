/** The rotation a run does for each of its tokens (docs/design.md "How a rotation works", steps 1 to 9). */

import { randomUUID } from 'node:crypto';
import { cleanUp } from './cleanup';
import { type Rotation, tokenIds } from './context';
import { bulkReadSuffices, claimOf, decide, pausedBecause, usefulPending } from './decisions';
import type { DueDecision } from './due';
import { failureFacts, failureReason } from './failure';
import { announce, ended, finish, inProgress, pausedResult, type ReadProgress, reported, result } from './outcome';
import { bulkReadState, readCurrent, readOthers } from './read-secret';
import type { TargetResult } from './results';
import type { SecretState, Staged } from './secret-state';
import { type CurrentVersion, STAGES } from './secret-store';
import { claimRotation, mintAndStage, promote, releaseClaim, step, verify } from './steps';

/**
 * A rotation the product starts itself: on its schedule, by hand, or from its work queue, in the steps
 * docs/design.md "How a rotation works" numbers. A failure at any step leaves AWSCURRENT as it was, and a version left in
 * AWSPENDING is verified and promoted (or replaced) by the next run. A paused token is skipped before step 1;
 * its result tells AWSCURRENT as far as the run's bulk read saw it, without a call of its own.
 */
export async function scheduledRotation(
  rotation: Rotation,
  preread: CurrentVersion | undefined,
): Promise<TargetResult> {
  const paused = pausedBecause(rotation);
  if (paused) return pausedResult(rotation, preread, paused);
  let secret: SecretState | undefined;
  try {
    // 1. Read: the run's bulk read alone when it shows all there is to see, else the secret's versions.
    secret = bulkReadState(rotation.target, preread);
    if (!secret || !bulkReadSuffices(rotation, secret, rotation.ports.clock.now())) {
      secret = await step(rotation, 'read', () => readCurrent(rotation, preread));
      secret = await readOthers(rotation, secret, preread);
    }
  } catch (error) {
    return ended(rotation, { secret, claimVersionId: undefined, warnings: [] }, error);
  }
  return proceed(rotation, secret);
}

/**
 * On the secret as read: stand down while another invocation holds the claim; resume a version an earlier
 * run left in AWSPENDING; then rotate if due.
 */
async function proceed(rotation: Rotation, secret: SecretState): Promise<TargetResult> {
  let claimVersionId: string | undefined;
  try {
    const now = rotation.ports.clock.now();
    const held = claimOf(secret, now);
    if (held.held) {
      const until = held.until.toISOString();
      return inProgress(rotation, secret, `another invocation is rotating this token (its claim lasts until ${until})`);
    }
    const pending = usefulPending(rotation, secret, now);
    if (!pending) return await rotateIfDue(rotation, { secret, claimVersionId, warnings: [] }, now);
    if (rotation.options.dryRun) return result(rotation, secret, 'planned', PLANNED_RESUME);
    // Its claim is also the record of the promotion, which comes after the mint time's bound (promotion.ts).
    claimVersionId = await claimRotation(rotation, secret, now, pending.versionId);
    const resumed = await resume(rotation, secret, pending);
    if (resumed === 'promoted')
      return await finish(rotation, { secret, claimVersionId, warnings: [] }, RESUMED, pending, true);
    return await rotateIfDue(rotation, { secret, claimVersionId, warnings: resumed.warnings }, now);
  } catch (error) {
    return ended(rotation, { secret, claimVersionId, warnings: [] }, error);
  }
}

/**
 * 2. Decide; when due, 3. claim (a run that resumed holds the claim already), 4. mint, 5. stage, 6. verify,
 * 7. promote, 8. clean up and 9. announce.
 */
async function rotateIfDue(rotation: Rotation, progress: ReadProgress, now: Date): Promise<TargetResult> {
  const { secret } = progress;
  let claimVersionId = progress.claimVersionId;
  try {
    const decision = decide(rotation, secret.current, now);
    if (!decision.due) return await notDue(rotation, progress, decision);
    if (rotation.options.dryRun) return await planned(rotation, secret, decision.reason);
    claimVersionId ??= await claimRotation(rotation, secret, now);
    const staged = await mintAndStage(rotation, randomUUID());
    claimVersionId = staged.versionId; // the claim label moved with the token
    await verify(rotation, staged);
    await promote(rotation, staged, secret.current.versionId);
    rotation.ports.log.info('token rotated', {
      ...tokenIds(rotation.target),
      versionId: staged.versionId,
      expiresAt: staged.stored.expiresAt,
      reason: decision.reason,
    });
    return await finish(rotation, { ...progress, claimVersionId }, decision.reason, staged, false);
  } catch (error) {
    return ended(rotation, { ...progress, claimVersionId }, error);
  }
}

const PLANNED_RESUME = 'would verify the version an earlier run left in AWSPENDING and promote it';
const RESUMED = 'resumed: verified and promoted the version an earlier run staged';

/**
 * Verifies and promotes a version an earlier run staged (steps 6 and 7). One that no longer works loses its
 * AWSPENDING label, so later runs do not verify it again: it is replaced when the token is due.
 */
async function resume(
  rotation: Rotation,
  secret: SecretState,
  pending: Staged,
): Promise<'promoted' | { warnings: string[] }> {
  const { target, family, ports, context } = rotation;
  try {
    await family.verify(target, pending.stored, context);
  } catch (error) {
    ports.log.warn('the version left in AWSPENDING failed verification; replacing it', {
      tokenId: target.id,
      versionId: pending.versionId,
      error: failureFacts('verify', error),
    });
    try {
      await ports.secrets.removeLabel(target.secretName, STAGES.pending, pending.versionId);
      return { warnings: [] };
    } catch (labelError) {
      const reason = failureReason(failureFacts('stage', labelError));
      return { warnings: [`the version left in AWSPENDING failed verification and keeps its label: ${reason}`] };
    }
  }
  await promote(rotation, pending, secret.current.versionId);
  return 'promoted';
}

/** Not due: nothing is minted, but superseded tokens may be due for revocation. */
async function notDue(
  rotation: Rotation,
  { secret, claimVersionId, warnings }: ReadProgress,
  decision: DueDecision & { due: false },
): Promise<TargetResult> {
  // Claimed to resume a staged version that then failed verification: nothing else to do, so give the
  // claim up rather than hold the token "in progress" for the rest of the lease.
  const released = claimVersionId === undefined ? [] : await releaseClaim(rotation, secret, claimVersionId);
  const cleanup = await cleanUp(rotation, secret, secret.current, secret.previous, false);
  const announced = await announce(rotation, cleanup?.events ?? []);
  const revoked = cleanup !== undefined && cleanup.revoked.length > 0;
  const outcome = revoked ? (rotation.options.dryRun ? 'planned' : 'revoked') : 'skipped';
  return result(rotation, secret, outcome, decision.reason, {
    nextDueAt: decision.nextDueAt.toISOString(),
    ...reported(cleanup?.revoked, [...warnings, ...released, ...announced, ...(cleanup?.warnings ?? [])]),
  });
}

/** A dry run of a due token: what it would mint, and what the cleanup would revoke. */
async function planned(rotation: Rotation, secret: SecretState, reason: string): Promise<TargetResult> {
  const cleanup = await cleanUp(rotation, secret, secret.current, secret.previous, false);
  return result(rotation, secret, 'planned', `due: ${reason}; would mint, stage, verify and promote a new token`, {
    ...reported(cleanup?.revoked, cleanup?.warnings),
  });
}
