/**
 * Step 1, read: each function returns the secret as far as it has read it, so a failure later in the read
 * still reports what was known (the flows keep the last state they were handed).
 */

import type { ManagedToken } from '../config/types';
import { parseClaim, placeholderVersionId } from './claim';
import type { Rotation } from './context';
import { cleanupWanted } from './decisions';
import { onlyCurrent, type SecretState, versionState } from './secret-state';
import { type CurrentVersion, STAGES, type SecretDescription, stageHolder } from './secret-store';
import { placeholderValue } from './stored-token';

/**
 * The state the run's bulk read shows, when AWSCURRENT also holds AWSPENDING and the claim: a finished
 * rotation, and so nothing else to look at unless a cleanup wants the previous version (bulkReadSuffices).
 */
export function bulkReadState(target: ManagedToken, preread: CurrentVersion | undefined): SecretState | undefined {
  if (!preread || ![STAGES.current, STAGES.pending, STAGES.claim].every((label) => preread.stages.includes(label))) {
    return undefined;
  }
  const description = {
    arn: preread.arn,
    name: target.secretName,
    versions: [{ versionId: preread.versionId, stages: preread.stages }],
  };
  return onlyCurrent(description, versionState(target, preread.versionId, preread.text, undefined), false);
}

/**
 * The secret's description and AWSCURRENT. A secret created without a value first gets the placeholder:
 * its first version becomes AWSCURRENT whatever labels the write asks for, so that version must be the
 * placeholder, never a token. A dry run writes nothing: it plans from the placeholder the first write would
 * make current.
 */
export async function readCurrent(rotation: Rotation, preread: CurrentVersion | undefined): Promise<SecretState> {
  const { target, ports } = rotation;
  const name = target.secretName;
  let description = await ports.secrets.describe(name);
  if (!stageHolder(description, STAGES.current)) {
    if (rotation.options.dryRun) {
      const placeholder = versionState(target, placeholderVersionId(name), placeholderValue(target), undefined);
      return onlyCurrent(description, placeholder, true);
    }
    await ports.secrets.writePlaceholder(name, placeholderValue(target), placeholderVersionId(name));
    description = await ports.secrets.describe(name);
  }
  const revokedHolder = stageHolder(description, STAGES.revoked);
  const currentId = stageHolder(description, STAGES.current) as string;
  const current = versionState(target, currentId, await readText(rotation, preread, currentId), revokedHolder);
  return onlyCurrent(description, current, true);
}

/**
 * The rest of what readCurrent found labelled: a distinct AWSPENDING, AWSPREVIOUS and the record of a late
 * promotion when a cleanup is wanted, and the record of a claim version.
 */
export async function readOthers(
  rotation: Rotation,
  secret: SecretState,
  preread: CurrentVersion | undefined,
): Promise<SecretState> {
  const { target, ports } = rotation;
  const { description, current } = secret;
  // A dry run on a secret with no version plans from the placeholder alone (readCurrent).
  if (rotation.options.dryRun && !stageHolder(description, STAGES.current)) return secret;
  const revokedHolder = stageHolder(description, STAGES.revoked);
  const pendingId = stageHolder(description, STAGES.pending);
  const ownPendingId = pendingId !== current.versionId ? pendingId : undefined;
  const pendingText = ownPendingId ? await readText(rotation, preread, ownPendingId) : undefined;
  const pending = ownPendingId ? versionState(target, ownPendingId, pendingText, revokedHolder) : undefined;
  const cleanup = cleanupWanted(rotation, description, current, false, ports.clock.now());
  const previousId = stageHolder(description, STAGES.previous);
  const previous =
    previousId && cleanup
      ? versionState(target, previousId, await readText(rotation, preread, previousId), revokedHolder)
      : undefined;
  const { claim, promotion } = await readRecords(
    rotation,
    description,
    claimVersionToRead(description, current.versionId, pendingId),
    cleanup,
  );
  const pendingEmpty = pending !== undefined && pendingText === undefined;
  return { description, current, pending, pendingEmpty, previous, claim, promotion, complete: true };
}

/**
 * The claim version's record, and the record of the latest late promotion when a cleanup is wanted (the one
 * read once when a version holds both labels).
 */
async function readRecords(
  rotation: Rotation,
  description: SecretDescription,
  claimId: string | undefined,
  cleanup: boolean,
): Promise<Pick<SecretState, 'claim' | 'promotion'>> {
  const read = (id: string) => rotation.ports.secrets.readVersion(rotation.target.secretName, id);
  const claimText = claimId ? await read(claimId) : undefined;
  const promotionId = stageHolder(description, STAGES.promotion);
  let promotionText: string | undefined;
  if (promotionId !== undefined && promotionId === claimId) promotionText = claimText;
  else if (promotionId !== undefined && cleanup) promotionText = await read(promotionId);
  return { claim: parseClaim(claimText), promotion: parseClaim(promotionText) };
}

/** The secret's whole description: the one read, or, after a bulk read (which lists AWSCURRENT alone), a fresh one. */
export async function describeWhole(rotation: Rotation, secret: SecretState): Promise<SecretDescription> {
  return secret.complete ? secret.description : await rotation.ports.secrets.describe(rotation.target.secretName);
}

/** The claim label's version, when it is a claim version whose record says whether it holds. */
function claimVersionToRead(
  description: SecretDescription,
  currentId: string,
  pendingId: string | undefined,
): string | undefined {
  const claimId = stageHolder(description, STAGES.claim);
  const elsewhere = [currentId, pendingId, stageHolder(description, STAGES.released)];
  return claimId && !elsewhere.includes(claimId) ? claimId : undefined;
}

/** A version's value; AWSCURRENT as the bulk read returned it costs no call. */
async function readText(
  rotation: Rotation,
  preread: CurrentVersion | undefined,
  versionId: string,
): Promise<string | undefined> {
  if (preread?.versionId === versionId) return preread.text;
  return await rotation.ports.secrets.readVersion(rotation.target.secretName, versionId);
}
