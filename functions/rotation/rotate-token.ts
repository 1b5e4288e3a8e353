import { randomUUID } from 'node:crypto';
import { BigCommerceApiError } from '../bigcommerce/errors';
import type { ManagedToken } from '../config/types';
import { type Log, ROTATION_FAILED_MESSAGE } from '../observability/logger';
import { describeError, redactedExcerpt, redactor } from '../observability/redaction';
import {
  CLAIM_LEASE_MS,
  type ClaimRecord,
  type ClaimState,
  claimState,
  claimValue,
  nextClaimId,
  parseClaim,
  placeholderVersionId,
} from './claim';
import type { Clock } from './clock';
import { type DueDecision, decideDue } from './due';
import type { EventPublisher, RotationEvent } from './events';
import { failureFacts, failureReason } from './failure';
import type { CleanupReport, FamilyAdapter, FamilyContext, MintedToken, VersionState } from './family';
import type { TargetResult } from './results';
import type { RotationStep } from './failure';
import {
  ClaimConflictError,
  type CurrentVersion,
  PromotionConflictError,
  STAGES,
  type SecretDescription,
  type SecretStore,
  stageHolder,
} from './secret-store';
import type { StoreCredentials } from './store-credentials';
import {
  parseStoredToken,
  placeholderValue,
  STORED_TOKEN_SCHEMA_VERSION,
  type StoredToken,
  serializeStoredToken,
} from './stored-token';

export interface RotationPorts {
  clock: Clock;
  secrets: SecretStore;
  publisher: EventPublisher;
  credentials: StoreCredentials;
  log: Log;
}

/** Secrets Manager's four rotation steps, as its rotation function receives them. */
export const PROTOCOL_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type ProtocolStep = (typeof PROTOCOL_STEPS)[number];

export interface RotationOptions {
  force: boolean;
  dryRun: boolean;
  trigger: 'schedule' | 'manual' | 'secrets-manager';
  /** When the invocation started: a forced run is satisfied by a token minted since. */
  startedAt?: Date;
  /** Aborted when the invocation is cut off: no further step starts. */
  signal?: AbortSignal;
}

/** A step of the flow failed; carries which one, for the result and the failure event. */
class StepFailure extends Error {
  constructor(
    readonly step: RotationStep,
    readonly error: unknown,
  ) {
    super(describeError(error).message);
  }
}

type Staged = VersionState & { stored: StoredToken };

/** What testSecret and finishSecret find under the version Secrets Manager named (see stepVersion). */
type StepVersion =
  | { kind: 'current' }
  | { kind: 'not-created' }
  | { kind: 'copy' }
  | { kind: 'staged'; staged: Staged };

/** What the later steps say when Secrets Manager's schedule fired for a token that was not due. */
const NOT_CREATED = 'createSecret staged no token (the token was not due)';

interface SecretState {
  description: SecretDescription;
  current: VersionState;
  pending: VersionState | undefined;
  /**
   * The AWSPENDING version holds no value: Secrets Manager's RotateSecret created it for createSecret to fill,
   * and no createSecret has (yet).
   */
  pendingEmpty: boolean;
  previous: VersionState | undefined;
  /** The claim version's record, read only when the claim label is on one. */
  claim: ClaimRecord | undefined;
  /**
   * False when only AWSCURRENT was read (a bulk read showed nothing else to look at): `description` then
   * lists that version alone, and a step that needs another label's holder describes the secret first.
   */
  complete: boolean;
}

/**
 * One rotation of one managed token, DESIGN's eight steps: read, decide, claim, mint, stage (AWSPENDING),
 * verify, promote (AWSCURRENT, compare-and-swap), clean up, announce. A failure at any step leaves
 * AWSCURRENT as it was; a version left in AWSPENDING is verified and promoted (or replaced) by the next run.
 */
export function rotateToken<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  preread?: CurrentVersion,
): Promise<TargetResult> {
  return new Rotation(target, family, ports, options, preread).run();
}

/** What one step of Secrets Manager's rotation did, for the function's answer and logs. */
export interface ProtocolOutcome {
  step: ProtocolStep;
  tokenId: string;
  secretName: string;
  versionId: string;
  /** In words: what the step did, or why it had nothing to do. */
  did: string;
  /** After finishSecret that promoted: the rotation's result (cleanup and announcement included). */
  result?: TargetResult;
}

/** A step of Secrets Manager's rotation that cannot be done; Secrets Manager records it and may retry. */
export class ProtocolStepError extends Error {
  override readonly name = 'ProtocolStepError';
}

/** Whether the bulk read alone settles `target` (see Rotation.settledByBulkRead): its run would make no call. */
export function settledByBulkRead<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  preread: CurrentVersion | undefined,
): boolean {
  return new Rotation(target, family, ports, options, preread).settledByBulkRead();
}

/**
 * One step of Secrets Manager's rotation protocol (RotateSecret, the console's "Rotate secret immediately",
 * `aws secretsmanager rotate-secret`) for one managed token. `versionId` is the ClientRequestToken: the id
 * of the new version, so each step is idempotent and Secrets Manager may re-drive the sequence. The same
 * step methods make up the scheduled and manual runs.
 */
export function runProtocolStep<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  step: ProtocolStep,
  versionId: string,
): Promise<ProtocolOutcome> {
  const options: RotationOptions = { force: true, dryRun: false, trigger: 'secrets-manager' };
  return new Rotation(target, family, ports, options).protocolStep(step, versionId);
}

class Rotation<T extends ManagedToken> {
  private readonly base: Pick<TargetResult, 'tokenId' | 'family' | 'storeHash' | 'secretName'>;
  private readonly context: FamilyContext;
  private readonly events: RotationEvent[] = [];
  private readonly warnings: string[] = [];
  private state: SecretState | undefined;
  /** The version holding this run's claim label, once it has claimed. */
  private claimedAt: string | undefined;

  constructor(
    private readonly target: T,
    private readonly family: FamilyAdapter<T>,
    private readonly ports: RotationPorts,
    private readonly options: RotationOptions,
    /** AWSCURRENT as a bulk read of the whole run saw it, when there was one. */
    private readonly preread?: CurrentVersion,
  ) {
    this.base = {
      tokenId: target.id,
      family: target.family,
      storeHash: target.storeHash,
      secretName: target.secretName,
    };
    this.context = { clock: ports.clock, credentials: ports.credentials, log: ports.log };
  }

  async run(): Promise<TargetResult> {
    try {
      const state = await this.step('read', () => this.read());
      this.state = state;
      return await this.proceed(state);
    } catch (error) {
      if (error instanceof ClaimConflictError) return this.inProgress('another invocation claimed this rotation first');
      if (error instanceof LostPromotion) return this.lostPromotion(error);
      return this.failed(error instanceof StepFailure ? error : new StepFailure('read', error));
    }
  }

  async protocolStep(step: ProtocolStep, versionId: string): Promise<ProtocolOutcome> {
    const outcome = (did: string, result?: TargetResult): ProtocolOutcome => ({
      step,
      tokenId: this.target.id,
      secretName: this.target.secretName,
      versionId,
      did,
      ...(result ? { result } : {}),
    });
    try {
      const state = await this.step('read', () => this.read());
      this.state = state;
      if (stageHolder(state.description, STAGES.claim) === versionId) this.claimedAt = versionId;
      switch (step) {
        case 'createSecret':
          return outcome(await this.createSecret(state, versionId));
        case 'setSecret':
          return outcome('nothing to set: BigCommerce itself minted the token in createSecret');
        case 'testSecret': {
          const version = await this.stepVersion(state, step, versionId);
          if (version.kind === 'current') return outcome('nothing to test: the version is current');
          if (version.kind === 'not-created') return outcome(`nothing to test: ${NOT_CREATED}`);
          if (version.kind === 'copy') {
            return outcome(
              "nothing to test: the version is a copy of the current one (Secrets Manager's test of the rotation configuration)",
            );
          }
          await this.test(version.staged);
          return outcome('verified at BigCommerce');
        }
        case 'finishSecret': {
          const version = await this.stepVersion(state, step, versionId);
          if (version.kind === 'current') return outcome('nothing to do: the version is current');
          if (version.kind === 'not-created') return outcome(`nothing to do: ${NOT_CREATED}`);
          if (version.kind === 'copy') {
            throw this.refusal(
              step,
              `version ${versionId} is a copy of the current version: there is nothing to promote`,
            );
          }
          // Verified again rather than trusted to an earlier testSecret: anyone who may invoke the function can
          // send finishSecret alone, and recording a pass as a label would cost one more write against the
          // account's 50 a second, on a label anyone allowed to move labels could put on any version. The
          // verification is one read-only call (none for stored-instruments tokens) and proves the token works
          // at the moment it becomes current.
          await this.test(version.staged);
          await this.promote(version.staged, state.current.versionId);
          return outcome(
            'verified at BigCommerce and promoted to AWSCURRENT',
            await this.finish('rotated by Secrets Manager', version.staged, false),
          );
        }
      }
    } catch (error) {
      throw await this.protocolFailure(error);
    }
  }

  /**
   * createSecret: claim, then mint and stage the token as the version Secrets Manager named. RotateSecret
   * creates that version before the first step, labelled AWSPENDING and empty ("When rotation is
   * unsuccessful, the AWSPENDING staging label might be attached to an empty secret version"): the token
   * fills it. A version that holds a value already is a step Secrets Manager repeated, with nothing to do.
   * A rotation someone asked for (the console, `rotate-secret`) always mints; Secrets Manager's own schedule
   * is only a backstop to the sweep, so when it fires (its next rotation date has come) a token that is not
   * due is left alone: AWSPENDING goes back to the current version, which ends the rotation as a finished one
   * ends (RotateSecret refuses to start while AWSPENDING is on another version), and the later steps find
   * nothing to do.
   */
  private async createSecret(state: SecretState, versionId: string): Promise<string> {
    const labels = state.description.versions.find((v) => v.versionId === versionId)?.stages;
    const empty = state.pendingEmpty && state.pending?.versionId === versionId;
    if (labels && !empty) return 'nothing to do: the version exists';
    const notDue = this.scheduledButNotDue(state);
    if (notDue !== undefined) {
      if (empty) {
        const name = this.target.secretName;
        await this.step('stage', () =>
          this.ports.secrets.moveLabel(name, STAGES.pending, state.current.versionId, versionId),
        );
      }
      return `nothing to do: Secrets Manager's schedule fired, but the token is not due (${notDue})`;
    }
    const now = this.ports.clock.now();
    if (this.claimOf(state, now).held) throw new ClaimConflictError(this.target.secretName);
    await this.claim(state, now);
    await this.mintAndStage(versionId);
    return 'minted and staged in AWSPENDING';
  }

  /**
   * When Secrets Manager's own schedule has fired (its next rotation date has come) for a token that is not
   * due, why it is not: createSecret then creates no version, and the later steps have nothing to do.
   */
  private scheduledButNotDue(state: SecretState): string | undefined {
    const now = this.ports.clock.now();
    const next = state.description.nextRotationDate;
    if (next === undefined || next > now) return undefined;
    const decision = this.due(state.current.stored, now, false);
    return decision.due ? undefined : decision.reason;
  }

  /**
   * The version testSecret and finishSecret may act on, as AWS's own rotation functions decide: a version
   * already AWSCURRENT is a retry of a finished rotation, with nothing to do; otherwise it must hold AWSPENDING
   * and be a token this product staged for this rotation (see notStagedBecause). Anything else is refused
   * before a label moves or BigCommerce is called: promoting an older version would bring back a token the
   * cleanup revoked, and the cleanup would then revoke the working one. A version that copies AWSCURRENT is
   * Secrets Manager's test of the rotation configuration (a schedule created with RotateImmediately false:
   * "the test creates an AWSPENDING version of the secret and then removes it"), the stack's placeholder included.
   */
  private async stepVersion(state: SecretState, step: ProtocolStep, versionId: string): Promise<StepVersion> {
    if (state.current.versionId === versionId) return { kind: 'current' };
    const labels = state.description.versions.find((v) => v.versionId === versionId)?.stages;
    if (!labels) {
      if (this.scheduledButNotDue(state) !== undefined) return { kind: 'not-created' };
      throw this.refusal(
        step,
        `version ${versionId} is not a version of ${this.target.secretName} (no version with this id holds a staging label)`,
      );
    }
    if (!labels.includes(STAGES.pending)) {
      throw this.refusal(step, `version ${versionId} does not hold AWSPENDING: it is not a rotation in progress`);
    }
    const name = this.target.secretName;
    const text = await this.step('read', () => this.ports.secrets.readVersion(name, versionId));
    if (text === undefined) {
      throw this.refusal(step, `version ${versionId} holds no value: createSecret has not staged a token in it`);
    }
    const currentText = await this.step('read', () => this.ports.secrets.readVersion(name, state.current.versionId));
    if (text === currentText) return { kind: 'copy' };
    const stored = parseStoredToken(text, this.target);
    redactor.add(stored?.token);
    const problem = this.notStagedBecause(state, versionId, stored);
    if (problem !== undefined) throw this.refusal(step, `version ${versionId} ${problem}`);
    return { kind: 'staged', staged: { versionId, stored: stored as StoredToken, revoked: false } };
  }

  /**
   * Why a version is not a token this product staged for a rotation of the current version, or undefined when
   * it is one: it holds this token's stored token, never held AWSCURRENT (it would hold AWSPREVIOUS), was not
   * revoked, is not the current token again, and was minted no earlier than it.
   */
  private notStagedBecause(state: SecretState, versionId: string, stored: StoredToken | undefined): string | undefined {
    const labels = state.description.versions.find((v) => v.versionId === versionId)?.stages ?? [];
    if (labels.includes(STAGES.previous)) return `was current before (${STAGES.previous})`;
    if (labels.includes(STAGES.revoked)) return `holds a revoked token (${STAGES.revoked})`;
    if (!stored) return `holds no token this product wrote for ${this.target.id}`;
    if (stored.token === state.current.stored?.token) return 'holds the current token again';
    if (!isNewer(stored, state.current.stored)) return 'holds a token minted before the current one';
    return undefined;
  }

  /** A step refused before it changed anything; Secrets Manager records the reason. */
  private refusal(step: ProtocolStep, why: string): ProtocolStepError {
    return new ProtocolStepError(`${this.target.id}: ${step} refused: ${why}; nothing was changed`);
  }

  /** The error Secrets Manager records: structured facts only, after the usual failure handling. */
  private async protocolFailure(error: unknown): Promise<ProtocolStepError> {
    if (error instanceof ProtocolStepError) {
      // A refusal: nothing was claimed or written, so there is nothing to give up or announce.
      this.ports.log.warn('rotation step refused', { tokenId: this.target.id, reason: error.message });
      return error;
    }
    if (error instanceof ClaimConflictError) {
      return new ProtocolStepError(`${this.target.id}: another invocation is rotating this token; retry later`);
    }
    if (error instanceof LostPromotion) {
      const result = await this.lostPromotion(error);
      return new ProtocolStepError(`${this.target.id}: ${result.reason}`);
    }
    const result = await this.failed(error instanceof StepFailure ? error : new StepFailure('read', error));
    return new ProtocolStepError(`${this.target.id}: ${result.reason}`);
  }

  private async proceed(state: SecretState): Promise<TargetResult> {
    const now = this.ports.clock.now();
    const claim = this.claimOf(state, now);
    if (claim.held) {
      return this.inProgress(
        `another invocation is rotating this token (its claim lasts until ${claim.until.toISOString()})`,
      );
    }
    const pending = this.usefulPending(state, now);
    if (pending) {
      if (this.options.dryRun) {
        return this.result('planned', 'would verify the version an earlier run left in AWSPENDING and promote it');
      }
      await this.claim(state, now);
      if (await this.resume(pending)) {
        return this.finish('resumed: verified and promoted the version an earlier run staged', pending, true);
      }
    }
    const decision = this.decide(state.current, now);
    if (!decision.due) return this.notDue(state, decision);
    if (this.options.dryRun) {
      const cleanup = await this.cleanup(state.current, state.previous, false);
      return this.result('planned', `due: ${decision.reason}; would mint, stage, verify and promote a new token`, {
        ...reported(cleanup?.revoked, cleanup?.warnings),
      });
    }
    if (this.claimedAt === undefined) await this.claim(state, now);
    return this.rotate(state, decision.reason);
  }

  /** Steps 4 to 7 for a new token: mint, stage, verify, promote; then clean up and announce. */
  private async rotate(state: SecretState, reason: string): Promise<TargetResult> {
    const staged = await this.mintAndStage(randomUUID());
    await this.test(staged);
    await this.promote(staged, state.current.versionId);
    this.ports.log.info('token rotated', {
      ...this.base,
      versionId: staged.versionId,
      expiresAt: staged.stored.expiresAt,
      reason,
    });
    return this.finish(reason, staged, false);
  }

  /** Mints a token and stages it as version `versionId` (AWSPENDING). */
  private async mintAndStage(versionId: string): Promise<Staged> {
    const mintedAt = this.ports.clock.now();
    const minted = await this.step('mint', () => this.family.mint(this.target, this.context, mintedAt));
    redactor.add(minted.token);
    const stored = storedToken(this.target, minted, mintedAt);
    const staged = await this.step('stage', () =>
      this.ports.secrets.stagePending(this.target.secretName, serializeStoredToken(stored), versionId),
    );
    this.claimedAt = staged;
    return { versionId: staged, stored, revoked: false };
  }

  private async test(staged: Staged): Promise<void> {
    await this.step('verify', () => this.family.verify(this.target, staged.stored, this.context));
  }

  /**
   * Verifies and promotes a version an earlier run staged; false when it no longer works. Such a version
   * loses its AWSPENDING label, so later runs do not verify it again: it is replaced when the token is due.
   */
  private async resume(pending: Staged): Promise<boolean> {
    try {
      await this.family.verify(this.target, pending.stored, this.context);
    } catch (error) {
      this.ports.log.warn('the version left in AWSPENDING failed verification; replacing it', {
        tokenId: this.target.id,
        versionId: pending.versionId,
        error: failureFacts('verify', error),
      });
      try {
        await this.ports.secrets.removeLabel(this.target.secretName, STAGES.pending, pending.versionId);
      } catch (labelError) {
        this.warnings.push(
          `the version left in AWSPENDING failed verification and keeps its label: ${failureReason(failureFacts('stage', labelError))}`,
        );
      }
      return false;
    }
    await this.promote(pending, (this.state as SecretState).current.versionId);
    return true;
  }

  private async promote(staged: Staged, expectedCurrent: string): Promise<void> {
    try {
      await this.step('promote', () =>
        this.ports.secrets.promote(this.target.secretName, staged.versionId, expectedCurrent),
      );
    } catch (error) {
      if (error instanceof PromotionConflictError) throw new LostPromotion(error.currentVersionId, staged);
      throw error;
    }
  }

  /**
   * Another run promoted first (only possible when this run outlived its claim): what this run minted is
   * neither current nor previous, so it is revoked at once where the family can revoke.
   */
  private async lostPromotion(error: LostPromotion): Promise<TargetResult> {
    this.ports.log.warn('another invocation rotated this token first', {
      ...this.base,
      currentVersionId: error.currentVersionId,
    });
    const revoked: string[] = [];
    const staged = error.staged;
    if (this.family.revokeMinted && staged.versionId === this.claimedAt) {
      try {
        revoked.push(await this.family.revokeMinted(this.target, staged.stored, this.context));
      } catch (revokeError) {
        this.warnings.push(
          `could not revoke the token of version ${staged.versionId}, which lost the promotion: ${failureReason(failureFacts('cleanup', revokeError))}`,
        );
      }
    }
    return this.result(
      'skipped',
      `in progress elsewhere: another invocation promoted version ${error.currentVersionId ?? '(none)'} first`,
      { versionId: error.currentVersionId, ...reported(revoked, this.warnings) },
    );
  }

  /** Writes this run's claim; throws ClaimConflictError when another run claimed the same state first. */
  private async claim(state: SecretState, now: Date): Promise<void> {
    const versionId = nextClaimId(this.target.secretName, state.description, state.current.versionId);
    const record: ClaimRecord = {
      claimedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + CLAIM_LEASE_MS).toISOString(),
      basedOnVersionId: state.current.versionId,
      runId: randomUUID(),
    };
    await this.step('claim', () =>
      this.ports.secrets.claim(this.target.secretName, claimValue(this.target, record), versionId),
    );
    this.claimedAt = versionId;
  }

  /** Gives up this run's claim after a failure, so the next run need not wait for the lease. */
  private async release(): Promise<void> {
    const versionId = this.claimedAt;
    if (versionId === undefined || this.options.dryRun) return;
    try {
      const releasedHolder = stageHolder(await this.fullDescription(), STAGES.released);
      await this.ports.secrets.release(this.target.secretName, versionId, releasedHolder);
    } catch (error) {
      this.warnings.push(
        `could not release this run's claim; the next run waits for its lease (${failureReason(failureFacts('claim', error))})`,
      );
    }
  }

  /** Whether another invocation holds the rotation now. */
  private claimOf(state: SecretState, now: Date): ClaimState {
    return claimState({
      description: state.description,
      currentVersionId: state.current.versionId,
      now,
      pending: state.pending,
      claimRecord: state.claim,
    });
  }

  /** The due rule for `stored` under this token's policy, and whether it still fits the configuration. */
  private due(stored: StoredToken | undefined, now: Date, force: boolean): DueDecision {
    const drift = stored ? this.family.drift?.(this.target, stored) : undefined;
    return decideDue({ current: stored, now, policy: this.family.policy(this.target), force, drift });
  }

  private decide(current: VersionState, now: Date): DueDecision {
    const stored = current.stored;
    const startedAt = this.options.startedAt;
    // A forced run is satisfied by a token minted since it started (another run's, at the same moment).
    const fresh = stored && startedAt && Date.parse(stored.mintedAt) >= startedAt.getTime();
    const decision = this.due(stored, now, this.options.force && !fresh);
    if (decision.due || !this.options.force) return decision;
    return {
      ...decision,
      reason: `forced, but the current token was minted since this run started; ${decision.reason}`,
    };
  }

  /** Not due: nothing is minted, but superseded tokens may be due for revocation. */
  private async notDue(state: SecretState, decision: DueDecision & { due: false }): Promise<TargetResult> {
    // Claimed to resume a staged version that then failed verification: nothing else to do, so give the
    // claim up rather than hold the token "in progress" for the rest of the lease.
    if (this.claimedAt !== undefined) await this.release();
    const cleanup = await this.cleanup(state.current, state.previous, false);
    await this.announce();
    const revoked = cleanup && cleanup.revoked.length > 0;
    return this.result(revoked ? (this.options.dryRun ? 'planned' : 'revoked') : 'skipped', decision.reason, {
      nextDueAt: decision.nextDueAt.toISOString(),
      ...reported(cleanup?.revoked, [...this.warnings, ...(cleanup?.warnings ?? [])]),
    });
  }

  /** Steps 7 and 8 after a promotion: clean up with the new version current, then announce. */
  private async finish(reason: string, promoted: Staged, resumed: boolean): Promise<TargetResult> {
    const state = this.state as SecretState;
    this.events.push({
      detailType: 'Token Rotated',
      detail: {
        ...eventIds(this.target, state.description),
        versionId: promoted.versionId,
        expiresAt: promoted.stored.expiresAt,
        mintedAt: promoted.stored.mintedAt,
        resumed,
        trigger: this.options.trigger,
      },
      resources: [state.description.arn],
    });
    const cleanup = await this.cleanup(promoted, state.current, true);
    await this.announce();
    return this.result('rotated', reason, {
      versionId: promoted.versionId,
      expiresAt: promoted.stored.expiresAt,
      mintedAt: promoted.stored.mintedAt,
      nextDueAt: nextDueAt(this.family, this.target, promoted.stored),
      ...(resumed ? { resumed: true } : {}),
      ...reported(cleanup?.revoked, [...this.warnings, ...(cleanup?.warnings ?? [])]),
    });
  }

  /**
   * Step 7: the family's cleanup, when it may find something (`cleanupDue`). Failures are reported and
   * retried next run, never fatal. A cleanup that finishes without failure, outside a rotation, labels the
   * current version cleaned, so later runs skip it until the next rotation.
   */
  private async cleanup(
    current: VersionState,
    previous: VersionState | undefined,
    justRotated: boolean,
  ): Promise<{ revoked: string[]; warnings: string[] } | undefined> {
    if (!this.family.cleanup || !this.cleanupWanted(current, justRotated)) return undefined;
    const description = (this.state as SecretState).description;
    let report: CleanupReport;
    try {
      report = await this.family.cleanup(
        this.target,
        { now: this.ports.clock.now(), current, previous, dryRun: this.options.dryRun },
        this.context,
      );
    } catch (error) {
      const message = `cleanup failed, will retry next run: ${failureReason(failureFacts('cleanup', error))}`;
      this.ports.log.warn(message, { tokenId: this.target.id });
      return { revoked: [], warnings: [message] };
    }
    const warnings = report.failures.map((f) => `could not revoke ${f.description}, will retry next run: ${f.error}`);
    for (const w of warnings) this.ports.log.warn(w, { tokenId: this.target.id });
    if (this.options.dryRun) return { revoked: report.revoked.map((r) => r.description), warnings };
    for (const revoked of report.revoked) {
      this.events.push({
        detailType: 'Stale Token Revoked',
        detail: {
          ...eventIds(this.target, description),
          revoked: revoked.description,
          versionId: revoked.versionId ?? null,
          trigger: this.options.trigger,
        },
        resources: [description.arn],
      });
      if (revoked.versionId) await this.label(STAGES.revoked, revoked.versionId, warnings);
      this.ports.log.info('stale token revoked', {
        tokenId: this.target.id,
        revoked: revoked.description,
        versionId: revoked.versionId,
      });
    }
    if (!justRotated && warnings.length === 0) await this.label(STAGES.cleaned, current.versionId, warnings);
    return { revoked: report.revoked.map((r) => r.description), warnings };
  }

  /** Whether a cleanup may find something, judged without a call: the family's rule and the cleaned label. */
  private cleanupWanted(current: VersionState, justRotated: boolean): boolean {
    if (!wantsCleanup(this.family, this.target)) return false;
    const description = this.state?.description;
    const stages = description?.versions.find((v) => v.versionId === current.versionId)?.stages ?? [];
    const cleaned = !justRotated && stages.includes(STAGES.cleaned);
    const claimHolder = description ? stageHolder(description, STAGES.claim) : undefined;
    const attemptSince = !justRotated && claimHolder !== undefined && claimHolder !== current.versionId;
    const facts = { now: this.ports.clock.now(), current: current.stored, justRotated, cleaned, attemptSince };
    return this.family.cleanupDue?.(this.target, facts) ?? !cleaned;
  }

  /** Moves one of this product's labels to `versionId`; a failure is a warning (the next run retries). */
  private async label(label: string, versionId: string, warnings: string[]): Promise<void> {
    try {
      const holder = stageHolder(await this.fullDescription(), label);
      if (holder !== versionId) await this.ports.secrets.moveLabel(this.target.secretName, label, versionId, holder);
    } catch (error) {
      warnings.push(`could not label version ${versionId} ${label}: ${failureReason(failureFacts('cleanup', error))}`);
    }
  }

  /** The secret's whole description: the one read, or a fresh one when only AWSCURRENT was read. */
  private async fullDescription(): Promise<SecretDescription> {
    const state = this.state as SecretState;
    if (!state.complete) {
      state.description = await this.ports.secrets.describe(this.target.secretName);
      state.complete = true;
    }
    return state.description;
  }

  /** Step 8. A failed announcement does not undo a rotation; it is reported as a warning. */
  private async announce(): Promise<void> {
    if (this.events.length === 0) return;
    try {
      await this.ports.publisher.publish(this.events);
    } catch (error) {
      const message = `could not announce ${this.events.map((e) => e.detailType).join(', ')}: ${failureReason(failureFacts('announce', error))}`;
      this.ports.log.error(message);
      this.warnings.push(message);
    }
  }

  /** A step failed: the claim is given up, the failure logged and announced as structured facts. */
  private async failed(failure: StepFailure): Promise<TargetResult> {
    const facts = failureFacts(failure.step, failure.error);
    const reason = failureReason(facts);
    const state = this.state;
    await this.release();
    this.ports.log.error(ROTATION_FAILED_MESSAGE, { ...this.base, step: facts.step, error: facts });
    if (failure.error instanceof BigCommerceApiError && failure.error.body !== undefined) {
      this.ports.log.debug('BigCommerce error body (redacted)', {
        tokenId: this.target.id,
        body: redactedExcerpt(failure.error.body, 2_000),
      });
    }
    if (!this.options.dryRun) {
      this.events.push({
        detailType: 'Token Rotation Failed',
        detail: {
          ...eventIds(this.target, state?.description),
          step: facts.step,
          error: facts,
          currentVersionId: state?.current.stored ? state.current.versionId : null,
          currentExpiresAt: state?.current.stored?.expiresAt ?? null,
          trigger: this.options.trigger,
        },
        resources: state ? [state.description.arn] : [],
      });
      await this.announce();
    }
    return this.result('failed', reason, { step: facts.step, error: facts, ...reported([], this.warnings) });
  }

  private inProgress(why: string): TargetResult {
    return this.result('skipped', `in progress elsewhere: ${why}`);
  }

  private result(outcome: TargetResult['outcome'], reason: string, extra: Partial<TargetResult> = {}): TargetResult {
    const current = this.state?.current;
    return {
      ...this.base,
      outcome,
      reason,
      versionId: current?.stored ? current.versionId : undefined,
      expiresAt: current?.stored?.expiresAt,
      mintedAt: current?.stored?.mintedAt,
      ...extra,
    };
  }

  /**
   * A version an earlier run left in AWSPENDING that is worth promoting: staged for this rotation, and not due.
   * An empty one (a Secrets Manager rotation that failed before createSecret filled it) has nothing to
   * promote, and the sweep leaves its label alone: that rotation is Secrets Manager's, which retries it with
   * the same version ("That rotation will be reattempted"), and the sweep cannot tell one given up from one
   * whose createSecret is about to run (RotateSecret creates the version, then invokes the function). Leaving
   * it costs nothing: the next rotation of any kind moves AWSPENDING off it (staging writes the label).
   */
  private usefulPending(state: SecretState, now: Date): Staged | undefined {
    const pending = state.pending;
    if (!pending?.stored || this.notStagedBecause(state, pending.versionId, pending.stored) !== undefined) {
      return undefined;
    }
    return this.due(pending.stored, now, false).due ? undefined : (pending as Staged);
  }

  /** Runs a step, naming it when it fails; once the invocation is cut off, no further step starts. */
  private async step<R>(name: RotationStep, work: () => Promise<R>): Promise<R> {
    if (this.options.signal?.aborted) {
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
   * A token the bulk read alone settles: its current version shows a finished rotation (AWSCURRENT with
   * AWSPENDING and the claim), no cleanup is wanted, and it is not due. Its run makes no call; a sweep
   * hands everything else to the work queue.
   */
  settledByBulkRead(): boolean {
    const state = this.bulkReadState();
    if (!state || this.cleanupWanted(state.current, false)) return false;
    return !this.decide(state.current, this.ports.clock.now()).due;
  }

  /** The state the bulk read shows, when it shows a finished rotation and so nothing else to look at. */
  private bulkReadState(): SecretState | undefined {
    const pre = this.preread;
    if (!pre || ![STAGES.current, STAGES.pending, STAGES.claim].every((label) => pre.stages.includes(label))) {
      return undefined;
    }
    const description = {
      arn: pre.arn,
      name: this.target.secretName,
      versions: [{ versionId: pre.versionId, stages: pre.stages }],
    };
    const state: SecretState = {
      ...this.onlyCurrent(description, this.versionState(pre.versionId, pre.text, undefined)),
      complete: false,
    };
    this.state = state;
    return state;
  }

  /**
   * Reads AWSCURRENT, a distinct AWSPENDING, AWSPREVIOUS when a cleanup is due, and a claim version's
   * record. When the run's bulk read shows a finished rotation and no cleanup is due (or the token is due, so
   * the rotation's own cleanup follows), there is nothing else to look at: no further call.
   */
  private async read(): Promise<SecretState> {
    const state = this.bulkReadState();
    if (!state) return this.readAll();
    // A cleanup that wants the previous version needs the whole secret, unless the token is due: the
    // rotation's own cleanup then runs after the promotion, with the version it replaced.
    if (!this.cleanupWanted(state.current, false)) return state;
    if (!this.options.dryRun && this.decide(state.current, this.ports.clock.now()).due) return state;
    return this.readAll();
  }

  private async readAll(): Promise<SecretState> {
    const secrets = this.ports.secrets;
    const name = this.target.secretName;
    let description = await secrets.describe(name);
    if (!stageHolder(description, STAGES.current)) {
      // A dry run writes nothing: it plans from the placeholder the first write would make current.
      if (this.options.dryRun) return this.beforeFirstVersion(description);
      // A secret created without a value: its first version becomes AWSCURRENT whatever labels the write
      // asks for, so that version must be the placeholder, never a token.
      await secrets.writePlaceholder(name, placeholderValue(this.target), placeholderVersionId(name));
      description = await secrets.describe(name);
    }
    const revokedHolder = stageHolder(description, STAGES.revoked);
    const read = async (versionId: string): Promise<string | undefined> => {
      const known = this.preread?.versionId === versionId ? this.preread : undefined;
      return known ? known.text : await secrets.readVersion(name, versionId);
    };
    const currentId = stageHolder(description, STAGES.current) as string;
    const current = this.versionState(currentId, await read(currentId), revokedHolder);
    this.state = { ...this.onlyCurrent(description, current), complete: true };
    const pendingId = stageHolder(description, STAGES.pending);
    const pendingText = pendingId && pendingId !== currentId ? await read(pendingId) : undefined;
    const pending =
      pendingId && pendingId !== currentId ? this.versionState(pendingId, pendingText, revokedHolder) : undefined;
    const previousId = stageHolder(description, STAGES.previous);
    const previous =
      previousId && this.cleanupWanted(current, false)
        ? this.versionState(previousId, await read(previousId), revokedHolder)
        : undefined;
    const claimId = stageHolder(description, STAGES.claim);
    const readClaim =
      claimId &&
      claimId !== currentId &&
      claimId !== pendingId &&
      claimId !== stageHolder(description, STAGES.released);
    const claim = readClaim ? parseClaim(await secrets.readVersion(name, claimId)) : undefined;
    const pendingEmpty = pending !== undefined && pendingText === undefined;
    return { description, current, pending, pendingEmpty, previous, claim, complete: true };
  }

  /** A secret with no version yet, as if it held the placeholder, which its first write will be. */
  private beforeFirstVersion(description: SecretDescription): SecretState {
    const name = this.target.secretName;
    const current = this.versionState(placeholderVersionId(name), placeholderValue(this.target), undefined);
    return { ...this.onlyCurrent(description, current), complete: true };
  }

  /** The state when only `current` is known: no other version read. */
  private onlyCurrent(description: SecretDescription, current: VersionState): Omit<SecretState, 'complete'> {
    return { description, current, pending: undefined, pendingEmpty: false, previous: undefined, claim: undefined };
  }

  private versionState(versionId: string, text: string | undefined, revokedHolder: string | undefined): VersionState {
    const stored = parseStoredToken(text, this.target);
    redactor.add(stored?.token);
    return { versionId, stored, revoked: versionId === revokedHolder };
  }
}

/** Another invocation promoted first; carries what this run had staged. */
class LostPromotion extends Error {
  override readonly name = 'LostPromotion';

  constructor(
    readonly currentVersionId: string | undefined,
    readonly staged: Staged,
  ) {
    super(`another invocation promoted version ${currentVersionId ?? '(none)'} first`);
  }
}

/** The optional `revoked` and `warnings` fields of a result, present only when they say something. */
function reported(revoked: string[] = [], warnings: string[] = []): Pick<TargetResult, 'revoked' | 'warnings'> {
  return { ...(revoked.length > 0 ? { revoked } : {}), ...(warnings.length > 0 ? { warnings } : {}) };
}

/** Minted no earlier than `other` (or there is no other): a candidate to replace it. */
function isNewer(candidate: StoredToken, other: StoredToken | undefined): boolean {
  return other === undefined || Date.parse(candidate.mintedAt) >= Date.parse(other.mintedAt);
}

function wantsCleanup<T extends ManagedToken>(family: FamilyAdapter<T>, target: T): boolean {
  return family.cleanup !== undefined && family.wantsCleanup?.(target) !== false;
}

function nextDueAt<T extends ManagedToken>(family: FamilyAdapter<T>, target: T, stored: StoredToken): string | null {
  const policy = family.policy(target);
  if (policy.kind === 'period') {
    return new Date(Date.parse(stored.mintedAt) + policy.rotationPeriodSeconds * 1000).toISOString();
  }
  return stored.expiresAt && new Date(Date.parse(stored.expiresAt) - policy.renewBeforeSeconds * 1000).toISOString();
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

function eventIds(target: ManagedToken, description: SecretDescription | undefined): Record<string, unknown> {
  return {
    tokenId: target.id,
    storeHash: target.storeHash,
    family: target.family,
    secretName: target.secretName,
    secretArn: description?.arn ?? null,
  };
}
