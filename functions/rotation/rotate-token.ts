import { randomUUID } from 'node:crypto';
import type { EventPublisher, RotationEvent } from '../aws/event-publisher';
import type { StoreCredentials } from '../aws/store-credentials';
import {
  PromotionConflictError,
  STAGES,
  type SecretDescription,
  type SecretStore,
  stageHolder,
} from '../aws/secret-store';
import type { ManagedToken } from '../config/types';
import { type Log, ROTATION_FAILED_MESSAGE } from '../observability/logger';
import { describeError, redactor } from '../observability/redaction';
import type { Clock } from './clock';
import { decideDue } from './due';
import type { CleanupReport, FamilyAdapter, FamilyContext, MintedToken, VersionState } from './family';
import type { RotationStep, TargetResult } from './results';
import { STORED_TOKEN_SCHEMA_VERSION, type StoredToken, parseStoredToken, serializeStoredToken } from './stored-token';

export interface RotationPorts {
  clock: Clock;
  secrets: SecretStore;
  publisher: EventPublisher;
  credentials: StoreCredentials;
  log: Log;
}

export interface RotationOptions {
  force: boolean;
  dryRun: boolean;
  trigger: 'schedule' | 'manual';
  /** Aborted when the invocation is cut off: no further step starts. */
  signal?: AbortSignal;
}

/**
 * No run lives longer than the function's timeout, so an AWSPENDING version younger than this may belong
 * to a run still at work; older ones are leftovers of a run that died.
 */
export const IN_PROGRESS_WINDOW_MS = 5 * 60_000;

/** A step of the flow failed; carries which one, for the result and the failure event. */
class StepFailure extends Error {
  constructor(
    readonly step: RotationStep,
    readonly error: unknown,
  ) {
    super(describeError(error).message);
  }
}

type Step = <R>(name: RotationStep, work: () => Promise<R>) => Promise<R>;

/** Runs steps, naming the one that failed; once the invocation is cut off, no further step starts. */
function stepper(signal: AbortSignal | undefined): Step {
  return async (name, work) => {
    if (signal?.aborted) throw new StepFailure(name, new Error('the invocation was cut off before this step'));
    try {
      return await work();
    } catch (error) {
      if (error instanceof StepFailure || error instanceof PromotionConflictError) throw error;
      throw new StepFailure(name, error);
    }
  };
}

interface SecretState {
  description: SecretDescription;
  current: VersionState | undefined;
  pending: VersionState | undefined;
  previous: VersionState | undefined;
}

/**
 * One rotation of one managed token, DESIGN's eight steps: read, decide, mint, stage (AWSPENDING), verify,
 * promote (AWSCURRENT, compare-and-swap), clean up, announce. A failure at any step leaves AWSCURRENT as it
 * was; a version left in AWSPENDING is verified and promoted (or replaced) by the next run.
 */
export async function rotateToken<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
): Promise<TargetResult> {
  const base = {
    tokenId: target.id,
    family: target.family,
    storeHash: target.storeHash,
    secretName: target.secretName,
  };
  const context: FamilyContext = { clock: ports.clock, credentials: ports.credentials, log: ports.log };
  const events: RotationEvent[] = [];
  const step = stepper(options.signal);
  let state: SecretState | undefined;
  try {
    state = await step('read', () => readSecret(target, ports.secrets, wantsCleanup(family, target)));
    const current = state.current;
    const now = ports.clock.now();
    const policy = family.policy(target);

    const housekeeping = await clearStrayPending(target, ports, options, state);
    if (
      state.pending?.stored &&
      isNewer(state.pending.stored, current?.stored) &&
      now.getTime() - Date.parse(state.pending.stored.mintedAt) < IN_PROGRESS_WINDOW_MS
    ) {
      return {
        ...base,
        outcome: 'skipped',
        reason: `in progress elsewhere: version ${state.pending.versionId}, minted ${state.pending.stored.mintedAt}, is being verified by another invocation`,
        versionId: current?.versionId,
        expiresAt: current?.stored?.expiresAt,
      };
    }
    if (state.pending) {
      const resumed = await resumePending(target, family, ports, options, state, context);
      if (resumed === 'promoted') {
        const promoted = state.pending as VersionState & { stored: StoredToken };
        const warnings = [...housekeeping, ...(await unstage(ports, target, promoted.versionId))];
        return await finish(
          target,
          family,
          ports,
          options,
          context,
          {
            ...base,
            outcome: 'rotated',
            reason: 'resumed: verified and promoted the version an earlier run staged',
            resumed: true,
            ...reported([], warnings),
          },
          promoted,
          current,
          state.description,
          events,
        );
      }
      if (resumed === 'planned') {
        return {
          ...base,
          outcome: 'planned',
          reason: 'would verify the version an earlier run left in AWSPENDING and promote it, or replace it',
        };
      }
    }

    const drift = current?.stored ? family.drift?.(target, current.stored) : undefined;
    const decision = decideDue({ current: current?.stored, now, policy, force: options.force, drift });
    if (!decision.due) {
      const cleanup = current
        ? await runCleanup(target, family, ports, options, context, current, state.previous, state.description, events)
        : undefined;
      await announce(ports, events, cleanup?.warnings);
      return {
        ...base,
        outcome: cleanup && cleanup.revoked.length > 0 ? (options.dryRun ? 'planned' : 'revoked') : 'skipped',
        reason: decision.reason,
        versionId: current?.versionId,
        expiresAt: current?.stored?.expiresAt,
        nextDueAt: decision.nextDueAt.toISOString(),
        ...reported(cleanup?.revoked, [...housekeeping, ...(cleanup?.warnings ?? [])]),
      };
    }
    if (options.dryRun) {
      const cleanup = current
        ? await runCleanup(target, family, ports, options, context, current, state.previous, state.description, events)
        : undefined;
      return {
        ...base,
        outcome: 'planned',
        reason: `due: ${decision.reason}; would mint, stage, verify and promote a new token`,
        versionId: current?.versionId,
        expiresAt: current?.stored?.expiresAt,
        ...reported(cleanup?.revoked, cleanup?.warnings),
      };
    }

    const mintedAt = new Date(Math.floor(ports.clock.now().getTime() / 1000) * 1000);
    const minted = await step('mint', () => family.mint(target, context, mintedAt));
    redactor.add(minted.token);
    const stored = storedToken(target, minted, mintedAt);
    const versionId = await step('stage', () =>
      ports.secrets.stagePending(target.secretName, serializeStoredToken(stored), randomUUID()),
    );
    await step('verify', () => family.verify(target, stored, context));
    await step('promote', () => promoteOrStandDown(ports.secrets, target.secretName, versionId, current?.versionId));
    ports.log.info('token rotated', { ...base, versionId, expiresAt: stored.expiresAt, reason: decision.reason });
    const warnings = [...housekeeping, ...(await unstage(ports, target, versionId))];
    return await finish(
      target,
      family,
      ports,
      options,
      context,
      { ...base, outcome: 'rotated', reason: decision.reason, ...reported([], warnings) },
      { versionId, stored, revoked: false },
      current,
      state.description,
      events,
    );
  } catch (error) {
    if (error instanceof PromotionConflictError) {
      ports.log.warn('another invocation rotated this token first', {
        ...base,
        currentVersionId: error.currentVersionId,
      });
      return {
        ...base,
        outcome: 'skipped',
        reason: `in progress elsewhere: another invocation promoted version ${error.currentVersionId ?? '(none)'} first`,
        versionId: error.currentVersionId,
      };
    }
    const failure = error instanceof StepFailure ? error : new StepFailure('read', error);
    const reason = describeError(failure.error).message;
    ports.log.error(ROTATION_FAILED_MESSAGE, { ...base, step: failure.step, error: describeError(failure.error) });
    const failedEvent: RotationEvent = {
      detailType: 'Token Rotation Failed',
      detail: {
        ...eventIds(target, state?.description),
        step: failure.step,
        error: reason,
        currentVersionId: state?.current?.versionId ?? null,
        currentExpiresAt: state?.current?.stored?.expiresAt ?? null,
        trigger: options.trigger,
      },
      resources: state ? [state.description.arn] : [],
    };
    const warnings: string[] = [];
    if (!options.dryRun) await announce(ports, [failedEvent], warnings);
    return {
      ...base,
      outcome: 'failed',
      step: failure.step,
      reason,
      versionId: state?.current?.versionId,
      expiresAt: state?.current?.stored?.expiresAt,
      ...reported([], warnings),
    };
  }
}

/** What happened to a version left in AWSPENDING: promoted, cleared (then the normal flow runs), or only planned. */
async function resumePending<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  state: SecretState,
  context: FamilyContext,
): Promise<'promoted' | 'cleared' | 'planned'> {
  const pending = state.pending as VersionState;
  const current = state.current;
  // Not older than the current token (a concurrent loser's leftover is), and not itself due already.
  const stillUseful =
    pending.stored !== undefined &&
    isNewer(pending.stored, current?.stored) &&
    !decideDue({
      current: pending.stored,
      now: ports.clock.now(),
      policy: family.policy(target),
      force: false,
      drift: family.drift?.(target, pending.stored),
    }).due;
  if (options.dryRun) return stillUseful ? 'planned' : 'cleared';
  const step = stepper(options.signal);
  if (stillUseful) {
    try {
      await family.verify(target, pending.stored as StoredToken, context);
      await step('promote', () =>
        promoteOrStandDown(ports.secrets, target.secretName, pending.versionId, current?.versionId),
      );
      return 'promoted';
    } catch (error) {
      if (error instanceof PromotionConflictError || error instanceof StepFailure) throw error;
      ports.log.warn('the version left in AWSPENDING failed verification; replacing it', {
        tokenId: target.id,
        versionId: pending.versionId,
        error: describeError(error),
      });
    }
  }
  await step('stage', () => ports.secrets.clearPending(target.secretName, pending.versionId));
  state.pending = undefined;
  return 'cleared';
}

/**
 * Promotes, or, when another invocation promoted first, takes AWSPENDING off this run's version so no
 * later run mistakes it for unfinished work, and lets the conflict through.
 */
async function promoteOrStandDown(
  secrets: SecretStore,
  secretName: string,
  versionId: string,
  expectedCurrent: string | undefined,
): Promise<void> {
  try {
    await secrets.promote(secretName, versionId, expectedCurrent);
  } catch (error) {
    if (error instanceof PromotionConflictError) await secrets.clearPending(secretName, versionId);
    throw error;
  }
}

/** Steps 7 and 8 after a promotion: clean up with the new version current, then announce. */
async function finish<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  context: FamilyContext,
  result: TargetResult,
  promoted: VersionState & { stored: StoredToken },
  previous: VersionState | undefined,
  description: SecretDescription,
  events: RotationEvent[],
): Promise<TargetResult> {
  events.push({
    detailType: 'Token Rotated',
    detail: {
      ...eventIds(target, description),
      versionId: promoted.versionId,
      expiresAt: promoted.stored.expiresAt,
      mintedAt: promoted.stored.mintedAt,
      resumed: result.resumed === true,
      trigger: options.trigger,
    },
    resources: [description.arn],
  });
  const cleanup = await runCleanup(target, family, ports, options, context, promoted, previous, description, events);
  const warnings = [...(result.warnings ?? []), ...cleanup.warnings];
  await announce(ports, events, warnings);
  const policy = family.policy(target);
  const nextDueAt =
    policy.kind === 'expiring'
      ? promoted.stored.expiresAt &&
        new Date(Date.parse(promoted.stored.expiresAt) - policy.renewBeforeSeconds * 1000).toISOString()
      : new Date(Date.parse(promoted.stored.mintedAt) + policy.rotationPeriodSeconds * 1000).toISOString();
  return {
    ...result,
    versionId: promoted.versionId,
    expiresAt: promoted.stored.expiresAt,
    nextDueAt,
    ...reported(cleanup.revoked, warnings),
  };
}

/** Step 7: the family's cleanup, if it wants one. Failures are reported and retried next run, never fatal. */
async function runCleanup<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  context: FamilyContext,
  current: VersionState,
  previous: VersionState | undefined,
  description: SecretDescription,
  events: RotationEvent[],
): Promise<{ revoked: string[]; warnings: string[] }> {
  if (!family.cleanup || !wantsCleanup(family, target)) return { revoked: [], warnings: [] };
  let report: CleanupReport;
  try {
    report = await family.cleanup(
      target,
      { now: ports.clock.now(), current, previous, dryRun: options.dryRun },
      context,
    );
  } catch (error) {
    const message = `cleanup failed, will retry next run: ${describeError(error).message}`;
    ports.log.warn(message, { tokenId: target.id });
    return { revoked: [], warnings: [message] };
  }
  const warnings = report.failures.map((f) => `could not revoke ${f.description}, will retry next run: ${f.error}`);
  for (const w of warnings) ports.log.warn(w, { tokenId: target.id });
  if (!options.dryRun) {
    for (const revoked of report.revoked) {
      events.push({
        detailType: 'Stale Token Revoked',
        detail: {
          ...eventIds(target, description),
          revoked: revoked.description,
          versionId: revoked.versionId ?? null,
          trigger: options.trigger,
        },
        resources: [description.arn],
      });
      if (revoked.versionId) {
        try {
          await ports.secrets.markRevoked(
            target.secretName,
            revoked.versionId,
            stageHolder(description, STAGES.revoked),
          );
        } catch (error) {
          warnings.push(
            `revoked ${revoked.description} but could not label version ${revoked.versionId}: ${describeError(error).message}`,
          );
        }
      }
      ports.log.info('stale token revoked', {
        tokenId: target.id,
        revoked: revoked.description,
        versionId: revoked.versionId,
      });
    }
  }
  return { revoked: report.revoked.map((r) => r.description), warnings };
}

/** Step 8. A failed announcement does not undo a rotation; it is reported as a warning. */
async function announce(ports: RotationPorts, events: RotationEvent[], warnings: string[] | undefined): Promise<void> {
  if (events.length === 0) return;
  try {
    await ports.publisher.publish(events);
  } catch (error) {
    const message = `could not announce ${events.map((e) => e.detailType).join(', ')}: ${describeError(error).message}`;
    ports.log.error(message);
    warnings?.push(message);
  }
}

/**
 * After a promotion the AWSPENDING label comes off the new current version. Not worth failing a rotation
 * over: a label left behind is removed by the next run.
 */
async function unstage(ports: RotationPorts, target: ManagedToken, versionId: string): Promise<string[]> {
  try {
    await ports.secrets.clearPending(target.secretName, versionId);
    return [];
  } catch (error) {
    const message = `AWSPENDING is still on the new current version ${versionId}; the next run removes it (${describeError(error).message})`;
    ports.log.warn(message, { tokenId: target.id });
    return [message];
  }
}

/** A run whose promotion succeeded but could not take AWSPENDING off left it on the current version. */
async function clearStrayPending(
  target: ManagedToken,
  ports: RotationPorts,
  options: RotationOptions,
  state: SecretState,
): Promise<string[]> {
  const currentId = state.current?.versionId;
  if (options.dryRun || !currentId || stageHolder(state.description, STAGES.pending) !== currentId) return [];
  return unstage(ports, target, currentId);
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

/** Reads the versions a run needs: AWSCURRENT, a distinct AWSPENDING, and AWSPREVIOUS only for cleanup. */
async function readSecret(target: ManagedToken, secrets: SecretStore, needPrevious: boolean): Promise<SecretState> {
  const description = await secrets.describe(target.secretName);
  const revokedHolder = stageHolder(description, STAGES.revoked);
  const load = async (stage: string): Promise<VersionState | undefined> => {
    const versionId = stageHolder(description, stage);
    if (!versionId) return undefined;
    const text = await secrets.readVersion(target.secretName, versionId);
    const stored = parseStoredToken(text, target);
    redactor.add(stored?.token);
    return { versionId, stored, revoked: versionId === revokedHolder };
  };
  const current = await load(STAGES.current);
  const pendingId = stageHolder(description, STAGES.pending);
  const pending = pendingId && pendingId !== current?.versionId ? await load(STAGES.pending) : undefined;
  const previous = needPrevious ? await load(STAGES.previous) : undefined;
  return { description, current, pending, previous };
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
