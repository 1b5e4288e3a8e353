/** Secrets Manager's rotation protocol: its four steps, made of the same steps as a run's rotation. */

import type { Rotation } from './context';
import { creation, pausedStep } from './decisions';
import { ended, finish, type Progress, type ReadProgress } from './outcome';
import { readCurrent, readOthers } from './read-secret';
import type { TargetResult } from './results';
import type { SecretState } from './secret-state';
import { ClaimConflictError, STAGES, stageHolder } from './secret-store';
import { promotionMayBeLate } from './promotion';
import { claimRotation, mintAndStage, promote, recordPromotion, step, verify } from './steps';
import { type ProtocolStep, ProtocolStepError, refusal, stepVersion } from './step-version';

export { PROTOCOL_STEPS, type ProtocolStep, ProtocolStepError } from './step-version';

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

/** What a step did, in words, and the rotation's result when it promoted. */
type StepDone = { did: string; result?: TargetResult };
type StepFlow = (rotation: Rotation, progress: ReadProgress, versionId: string) => Promise<StepDone>;

/**
 * One step of Secrets Manager's rotation protocol for one token (docs/operations.md, "Rotating from Secrets
 * Manager"):
 * createSecret claims, mints and stages (steps 3 to 5 of a rotation), testSecret verifies (6), finishSecret
 * verifies again and promotes, cleans up and announces (6 to 9). Each reads the secret first (1); `versionId`
 * is the ClientRequestToken, the id of the rotation's version, so Secrets Manager may repeat any step. A paused
 * token's steps are refused before any call, but testSecret of Secrets Manager's configuration test (pausedStep).
 */
export async function protocolStep(
  rotation: Rotation,
  request: ProtocolStep,
  versionId: string,
): Promise<ProtocolOutcome> {
  const pause = pausedStep(rotation, request);
  if (pause === 'refuse') throw await pausedRefusal(rotation, request, NOTHING_READ);
  // A paused token's testSecret reads as a dry run does: a secret without a version does not get the placeholder.
  const secret = await readForStep(pause === 'act' ? rotation : asDryRun(rotation));
  // A step after createSecret holds the claim its createSecret made: the claim label moved with the token.
  const claimVersionId = stageHolder(secret.description, STAGES.claim) === versionId ? versionId : undefined;
  const { did, result } = await STEPS[request](rotation, { secret, claimVersionId, warnings: [] }, versionId);
  const { id: tokenId, secretName } = rotation.target;
  return { step: request, tokenId, secretName, versionId, did, ...(result ? { result } : {}) };
}

const STEPS: Record<ProtocolStep, StepFlow> = {
  createSecret,
  setSecret: async () => ({ did: 'nothing to set: BigCommerce itself minted the token in createSecret' }),
  testSecret,
  finishSecret,
};

async function readForStep(rotation: Rotation): Promise<SecretState> {
  let secret: SecretState | undefined;
  try {
    secret = await step(rotation, 'read', () => readCurrent(rotation, undefined));
    return await readOthers(rotation, secret, undefined);
  } catch (error) {
    throw await protocolFailure(rotation, { secret, claimVersionId: undefined, warnings: [] }, error);
  }
}

/**
 * createSecret: claim, then mint and stage the token as the version Secrets Manager named. RotateSecret
 * creates that version before the first step, labelled AWSPENDING and empty ("When rotation is
 * unsuccessful, the AWSPENDING staging label might be attached to an empty secret version"): the token
 * fills it. A rotation someone asked for (the console, `rotate-secret`) always mints; Secrets Manager's own
 * schedule is only a backstop to the sweep, so a token it fires for that is not due is left alone, and
 * AWSPENDING goes back to the current version, which ends the rotation as a finished one ends (RotateSecret
 * refuses to start while AWSPENDING is on another version). See `creation` for the plan.
 */
async function createSecret(rotation: Rotation, progress: ReadProgress, versionId: string): Promise<StepDone> {
  const { target, ports } = rotation;
  const { secret } = progress;
  const now = ports.clock.now();
  const plan = creation(rotation, secret, versionId, now);
  if (plan.kind === 'exists') return { did: 'nothing to do: the version exists' };
  if (plan.kind === 'not-due') {
    const handBack = () =>
      ports.secrets.moveLabel(target.secretName, STAGES.pending, secret.current.versionId, versionId);
    if (plan.handBack) await guarded(rotation, progress, () => step(rotation, 'stage', handBack));
    return { did: `nothing to do: Secrets Manager's schedule fired, but the token is not due (${plan.reason})` };
  }
  if (plan.kind === 'claimed-elsewhere') {
    throw await protocolFailure(rotation, progress, new ClaimConflictError(target.secretName));
  }
  const claimVersionId = await guarded(rotation, progress, () => claimRotation(rotation, secret, now));
  await guarded(rotation, { ...progress, claimVersionId }, () => mintAndStage(rotation, versionId));
  return { did: 'minted and staged in AWSPENDING' };
}

async function testSecret(rotation: Rotation, progress: ReadProgress, versionId: string): Promise<StepDone> {
  const version = await guarded(rotation, progress, () =>
    stepVersion(rotation, progress.secret, 'testSecret', versionId),
  );
  if (version.kind === 'copy') return { did: `nothing to test: ${COPY}` };
  if (pausedStep(rotation, 'testSecret') !== 'act') throw await pausedRefusal(rotation, 'testSecret', progress);
  if (version.kind === 'current') return { did: 'nothing to test: the version is current' };
  if (version.kind === 'not-created') return { did: `nothing to test: ${NOT_CREATED}` };
  await guarded(rotation, progress, () => verify(rotation, version.staged));
  return { did: 'verified at BigCommerce' };
}

async function finishSecret(rotation: Rotation, progress: ReadProgress, versionId: string): Promise<StepDone> {
  const version = await guarded(rotation, progress, () =>
    stepVersion(rotation, progress.secret, 'finishSecret', versionId),
  );
  if (version.kind === 'current') return { did: 'nothing to do: the version is current' };
  if (version.kind === 'not-created') return { did: `nothing to do: ${NOT_CREATED}` };
  if (version.kind === 'copy') {
    const why = `version ${versionId} is a copy of the current version: there is nothing to promote`;
    throw await protocolFailure(rotation, progress, refusal(rotation, 'finishSecret', why));
  }
  // Verified again rather than trusted to an earlier testSecret: anyone who may invoke the function can send
  // finishSecret alone, and a label recording a pass would cost a write (of the account's 50 a second) and
  // could be put on any version by anyone allowed to move labels. One read-only call (none for
  // stored-instruments tokens) proves the token works at the moment it becomes current.
  const { staged } = version;
  const result = await guarded(rotation, progress, async () => {
    await verify(rotation, staged);
    // A retry hours after createSecret: the superseded token's grace counts from now, not from the mint.
    if (promotionMayBeLate(staged.stored, rotation.ports.clock.now())) {
      await recordPromotion(rotation, progress.secret, staged);
    }
    await promote(rotation, staged, progress.secret.current.versionId);
    return await finish(rotation, progress, 'rotated by Secrets Manager', staged, false);
  });
  return { did: 'verified at BigCommerce and promoted to AWSCURRENT', result };
}

/** What the later steps say when Secrets Manager's schedule fired for a token that was not due. */
const NOT_CREATED = 'createSecret staged no token (the token was not due)';
const COPY = "the version is a copy of the current one (Secrets Manager's test of the rotation configuration)";

const asDryRun = (rotation: Rotation): Rotation => ({ ...rotation, options: { ...rotation.options, dryRun: true } });
const NOTHING_READ: Progress = { secret: undefined, claimVersionId: undefined, warnings: [] };

/** A paused token's step (decisions.ts, pausedStep), refused before it writes or calls anything. */
function pausedRefusal(rotation: Rotation, request: ProtocolStep, progress: Progress): Promise<ProtocolStepError> {
  const why = 'the token is paused ("paused": true in the configuration; remove it and deploy to rotate again)';
  return protocolFailure(rotation, progress, refusal(rotation, request, why));
}

/** Runs part of a step; what fails ends the rotation as a scheduled one would, and becomes the step's error. */
async function guarded<R>(rotation: Rotation, progress: Progress, work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    throw await protocolFailure(rotation, progress, error);
  }
}

/** The error Secrets Manager records: structured facts only, after the usual handling of a failure. */
async function protocolFailure(rotation: Rotation, progress: Progress, error: unknown): Promise<ProtocolStepError> {
  const tokenId = rotation.target.id;
  if (error instanceof ProtocolStepError) {
    // A refusal: nothing was claimed or written, so there is nothing to give up or announce.
    rotation.ports.log.warn('rotation step refused', { tokenId, reason: error.message });
    return error;
  }
  if (error instanceof ClaimConflictError) {
    return new ProtocolStepError(`${tokenId}: another invocation is rotating this token; retry later`);
  }
  return new ProtocolStepError(`${tokenId}: ${(await ended(rotation, progress, error)).reason}`);
}
