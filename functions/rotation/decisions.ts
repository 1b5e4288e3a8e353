/**
 * The rotation's decisions, each a pure function of what was read, the token's family rules and the time:
 * no call, no port. The flows (scheduled.ts, protocol.ts) ask them before every step that writes.
 */

import { type ClaimRecord, type ClaimState, claimState } from './claim';
import type { Rotation } from './context';
import { type DueDecision, decideDue } from './due';
import type { VersionState } from './family';
import { currentSince } from './promotion';
import type { SecretState, Staged } from './secret-state';
import { STAGES, type SecretDescription, stageHolder, stagesOf } from './secret-store';
import type { StoredToken } from './stored-token';

/** What a decision reads of a rotation: the token, its family's rules and how the run was asked for. */
export type Subject = Pick<Rotation, 'target' | 'family' | 'options'>;

/** Before step 1, why a run leaves the token alone whatever it was asked (forced, dry): it is paused. */
export function pausedBecause({ target }: Pick<Subject, 'target'>): 'paused' | undefined {
  return target.paused ? 'paused' : undefined;
}

/**
 * What a Secrets Manager step may do with a paused token: only testSecret of its configuration test (a copy of
 * AWSCURRENT, see protocol.ts), which changes nothing and must pass, or a deploy creating the schedule fails.
 */
export function pausedStep(subject: Pick<Subject, 'target'>, request: string): 'act' | 'copy-only' | 'refuse' {
  if (!pausedBecause(subject)) return 'act';
  return request === 'testSecret' ? 'copy-only' : 'refuse';
}

/** The due rule for `stored` under the token's policy, and whether it still fits the configuration. */
function dueUnderPolicy(
  { target, family }: Subject,
  stored: StoredToken | undefined,
  now: Date,
  force: boolean,
): DueDecision {
  const drift = stored ? family.drift?.(target, stored) : undefined;
  return decideDue({ current: stored, now, policy: family.policy(target), force, drift });
}

/**
 * Step 2, decide: whether this run replaces the current token. A forced run is satisfied by a token minted
 * since it started (another run's, at the same moment).
 */
export function decide(subject: Subject, current: VersionState, now: Date): DueDecision {
  const { force, startedAt } = subject.options;
  const stored = current.stored;
  const fresh = stored !== undefined && startedAt !== undefined && Date.parse(stored.mintedAt) >= startedAt.getTime();
  const decision = dueUnderPolicy(subject, stored, now, force && !fresh);
  if (decision.due || !force) return decision;
  return { ...decision, reason: `forced, but the current token was minted since this run started; ${decision.reason}` };
}

/** Step 3's question: whether another invocation holds the rotation now (claim.ts says when a claim holds). */
export function claimOf(secret: SecretState, now: Date): ClaimState {
  return claimState({
    description: secret.description,
    currentVersionId: secret.current.versionId,
    now,
    pending: secret.pending,
    claimRecord: secret.claim,
  });
}

/**
 * Step 8's question, asked without a call: whether a cleanup of the secret with `current` in AWSCURRENT may
 * find something. The family's own rule (`cleanupDue`), by default: not since a cleanup labelled `current`
 * cleaned. Without the record of a late promotion (`promotion`, not read yet) the answer may be yes where the
 * record would say not yet, never the reverse: a record only makes `current` current since later.
 */
export function cleanupWanted(
  { target, family }: Subject,
  description: SecretDescription,
  current: VersionState,
  justRotated: boolean,
  now: Date,
  promotion?: ClaimRecord,
): boolean {
  if (!family.cleanup || family.wantsCleanup?.(target) === false) return false;
  const cleaned = !justRotated && (stagesOf(description, current.versionId) ?? []).includes(STAGES.cleaned);
  const claimHolder = stageHolder(description, STAGES.claim);
  const attemptSince = !justRotated && claimHolder !== undefined && claimHolder !== current.versionId;
  const since = currentSince(current, promotion, justRotated, now);
  const facts = { now, current: current.stored, justRotated, currentSince: since, cleaned, attemptSince };
  return family.cleanupDue?.(target, facts) ?? !cleaned;
}

/**
 * Whether the run's bulk read (AWSCURRENT holding AWSPENDING and the claim: a finished rotation) is all that
 * step 1 needs: no cleanup wants the previous version, or the token is due and the rotation's own cleanup
 * runs after the promotion, with the version it replaced.
 */
export function bulkReadSuffices(subject: Subject, secret: SecretState, now: Date): boolean {
  if (!cleanupWanted(subject, secret.description, secret.current, false, now)) return true;
  return !subject.options.dryRun && decide(subject, secret.current, now).due;
}

/** Whether the bulk read (`secret`, a finished rotation) settles the token: its run would make no call. */
export function settled(subject: Subject, secret: SecretState | undefined, now: Date): boolean {
  if (pausedBecause(subject)) return true;
  const noCleanup = secret !== undefined && !cleanupWanted(subject, secret.description, secret.current, false, now);
  return noCleanup && !decide(subject, secret.current, now).due;
}

/**
 * Why a version is not a token this product staged for a rotation of the current version, or undefined when
 * it is one: it holds this token's stored token, never held AWSCURRENT (it would hold AWSPREVIOUS), was not
 * revoked, is not the current token again, and was minted no earlier than it.
 */
export function notStagedBecause(
  secret: SecretState,
  versionId: string,
  stored: StoredToken | undefined,
  tokenId: string,
): string | undefined {
  const labels = stagesOf(secret.description, versionId) ?? [];
  if (labels.includes(STAGES.previous)) return `was current before (${STAGES.previous})`;
  if (labels.includes(STAGES.revoked)) return `holds a revoked token (${STAGES.revoked})`;
  if (!stored) return `holds no token this product wrote for ${tokenId}`;
  if (stored.token === secret.current.stored?.token) return 'holds the current token again';
  if (!isNewer(stored, secret.current.stored)) return 'holds a token minted before the current one';
  return undefined;
}

/** Minted no earlier than `other` (or there is no other): a candidate to replace it. */
function isNewer(candidate: StoredToken, other: StoredToken | undefined): boolean {
  return other === undefined || Date.parse(candidate.mintedAt) >= Date.parse(other.mintedAt);
}

/**
 * A version an earlier run left in AWSPENDING that is worth promoting: staged for this rotation, and not due.
 * An empty one (a Secrets Manager rotation that failed before createSecret filled it) has nothing to
 * promote, and the sweep leaves its label alone: that rotation is Secrets Manager's, which retries it with
 * the same version ("That rotation will be reattempted"), and the sweep cannot tell one given up from one
 * whose createSecret is about to run (RotateSecret creates the version, then invokes the function). Leaving
 * it costs nothing: the next rotation of any kind moves AWSPENDING off it (staging writes the label).
 */
export function usefulPending(subject: Subject, secret: SecretState, now: Date): Staged | undefined {
  const pending = secret.pending;
  if (
    !pending?.stored ||
    notStagedBecause(secret, pending.versionId, pending.stored, subject.target.id) !== undefined
  ) {
    return undefined;
  }
  return dueUnderPolicy(subject, pending.stored, now, false).due ? undefined : { ...pending, stored: pending.stored };
}

/**
 * When Secrets Manager's own schedule has fired (its next rotation date has come) for a token that is not
 * due, why it is not: createSecret then creates no version, and the later steps have nothing to do.
 */
export function scheduledButNotDue(subject: Subject, secret: SecretState, now: Date): string | undefined {
  const next = secret.description.nextRotationDate;
  if (next === undefined || next > now) return undefined;
  const decision = dueUnderPolicy(subject, secret.current.stored, now, false);
  return decision.due ? undefined : decision.reason;
}

/** What createSecret does with the version Secrets Manager named (see protocol.ts). */
export type Creation =
  | { kind: 'exists' }
  | { kind: 'not-due'; reason: string; handBack: boolean }
  | { kind: 'claimed-elsewhere' }
  | { kind: 'mint' };

/**
 * createSecret's plan: a version that holds a value already is a repeated step (`exists`); Secrets Manager's
 * schedule firing for a token that is not due mints nothing and, when RotateSecret created the version empty,
 * hands AWSPENDING back to the current version (`handBack`); a claim held elsewhere stops it; else it mints.
 */
export function creation(subject: Subject, secret: SecretState, versionId: string, now: Date): Creation {
  const empty = secret.pendingEmpty && secret.pending?.versionId === versionId;
  if (stagesOf(secret.description, versionId) && !empty) return { kind: 'exists' };
  const notDue = scheduledButNotDue(subject, secret, now);
  if (notDue !== undefined) return { kind: 'not-due', reason: notDue, handBack: empty };
  return claimOf(secret, now).held ? { kind: 'claimed-elsewhere' } : { kind: 'mint' };
}

/**
 * What testSecret or finishSecret does with the version Secrets Manager named, judged from its labels: a
 * version already AWSCURRENT is a retry of a finished rotation (nothing to do); an unknown one is the version
 * createSecret did not create when Secrets Manager's schedule fired for a token that was not due (nothing to
 * do), or none at all (refused); one without AWSPENDING is no rotation in progress (refused); the rest are
 * read, and their value judged (notStagedBecause).
 */
export type NamedVersion =
  | { kind: 'current' }
  | { kind: 'not-created' }
  | { kind: 'refused'; why: string }
  | { kind: 'read' };

export function namedVersion(subject: Subject, secret: SecretState, versionId: string, now: Date): NamedVersion {
  if (secret.current.versionId === versionId) return { kind: 'current' };
  const labels = stagesOf(secret.description, versionId);
  if (!labels) {
    if (scheduledButNotDue(subject, secret, now) !== undefined) return { kind: 'not-created' };
    const why = `is not a version of ${subject.target.secretName} (no version with this id holds a staging label)`;
    return { kind: 'refused', why: `version ${versionId} ${why}` };
  }
  if (labels.includes(STAGES.pending)) return { kind: 'read' };
  return { kind: 'refused', why: `version ${versionId} does not hold AWSPENDING: it is not a rotation in progress` };
}
