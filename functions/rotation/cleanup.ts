/** Step 8, clean up: revoking superseded tokens, and labelling what was revoked and cleaned. */

import type { Rotation } from './context';
import { cleanupWanted } from './decisions';
import { type RotationEvent, revokedEvent } from './events';
import { failureFacts, failureReason } from './failure';
import type { CleanupReport, RevokedToken, VersionState } from './family';
import { currentSince } from './promotion';
import { describeWhole } from './read-secret';
import type { SecretState } from './secret-state';
import { STAGES, type SecretDescription, type SecretStore } from './secret-store';
import { type StoredToken, parseStoredToken } from './stored-token';
import type { ManagedToken } from '../config/types';
import { labelVersion } from './steps';

/** What a cleanup did: what it revoked (in words), its warnings, and the events it has to announce. */
export interface CleanupDone {
  revoked: string[];
  warnings: string[];
  events: RotationEvent[];
}

/**
 * Step 8, clean up: the family's cleanup, when it may find something (cleanupWanted). Failures are reported
 * and retried next run, never fatal. A cleanup that finishes without failure, outside a rotation, labels the
 * current version cleaned, so later runs skip it until the next rotation.
 */
export async function cleanUp(
  rotation: Rotation,
  secret: SecretState,
  current: VersionState,
  previous: VersionState | undefined,
  justRotated: boolean,
): Promise<CleanupDone | undefined> {
  const { target, family, ports, options } = rotation;
  const now = ports.clock.now();
  if (!family.cleanup || !cleanupWanted(rotation, secret.description, current, justRotated, now, secret.promotion)) {
    return undefined;
  }
  let report: CleanupReport;
  try {
    const since = currentSince(current, secret.promotion, justRotated, now);
    const state = {
      now,
      current,
      previous,
      dryRun: options.dryRun,
      currentSince: since,
      pastTokens: () => pastTokens(ports.secrets, target),
    };
    report = await family.cleanup(target, state, rotation.context);
  } catch (error) {
    const message = `cleanup failed, will retry next run: ${failureReason(failureFacts('cleanup', error))}`;
    ports.log.warn(message, { tokenId: target.id });
    return { revoked: [], warnings: [message], events: [] };
  }
  const warnings = report.failures.map((f) => `could not revoke ${f.description}, will retry next run: ${f.error}`);
  for (const w of warnings) ports.log.warn(w, { tokenId: target.id });
  const revoked = report.revoked.map((r) => r.description);
  if (options.dryRun) return { revoked, warnings, events: [] };
  return { revoked, ...(await recordRevocations(rotation, secret, report.revoked, warnings, current, justRotated)) };
}

/** The tokens this product wrote into the target's secret, in every version Secrets Manager keeps. */
async function pastTokens(secrets: SecretStore, target: ManagedToken): Promise<StoredToken[]> {
  const tokens: StoredToken[] = [];
  for (const versionId of await secrets.listVersionIds(target.secretName)) {
    const stored = parseStoredToken(await secrets.readVersion(target.secretName, versionId), target);
    if (stored) tokens.push(stored);
  }
  return tokens;
}

/**
 * Announces, labels (BCROTATOR_REVOKED, so it is not revoked twice) and logs each revoked token. A cleanup
 * outside a rotation with no failure then labels the current version cleaned.
 */
async function recordRevocations(
  rotation: Rotation,
  secret: SecretState,
  revoked: RevokedToken[],
  failures: string[],
  current: VersionState,
  justRotated: boolean,
): Promise<{ warnings: string[]; events: RotationEvent[] }> {
  const { target, ports, options } = rotation;
  // Labels are moved from their holders in the whole description, described once when the run read in bulk.
  let whole: SecretDescription | undefined;
  const described = async (): Promise<SecretDescription> => {
    whole ??= await describeWhole(rotation, secret);
    return whole;
  };
  const warnings = [...failures];
  const events: RotationEvent[] = [];
  for (const token of revoked) {
    events.push(revokedEvent(target, options.trigger, secret.description, token));
    if (token.versionId) warnings.push(...(await labelVersion(rotation, described, STAGES.revoked, token.versionId)));
    ports.log.info('stale token revoked', {
      tokenId: target.id,
      revoked: token.description,
      versionId: token.versionId,
    });
  }
  if (!justRotated && warnings.length === 0) {
    warnings.push(...(await labelVersion(rotation, described, STAGES.cleaned, current.versionId)));
  }
  return { warnings, events };
}
