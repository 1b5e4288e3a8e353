/** The secret as a rotation read it: the value its decisions and steps are handed. */

import type { ManagedToken } from '../config/types';
import { redactor } from '../observability/redaction';
import type { ClaimRecord } from './claim';
import type { VersionState } from './family';
import type { SecretDescription } from './secret-store';
import { parseStoredToken, type StoredToken } from './stored-token';

/**
 * One secret as a rotation read it (step 1): the value every later step decides on and reports. It is
 * never changed; a step that needs more of the secret reads it again.
 */
export interface SecretState {
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
   * The record of the latest promotion that may have come after its token's mint time plus the lease (the
   * BCROTATOR_PROMOTION version's, see promotion.ts), read only when a cleanup may be due.
   */
  promotion: ClaimRecord | undefined;
  /**
   * False when only AWSCURRENT was read (a bulk read showed nothing else to look at): `description` then
   * lists that version alone, and a step that needs another label's holder describes the secret first.
   */
  complete: boolean;
}

/** A version holding a token this product wrote: one this run staged, or one an earlier run left pending. */
export type Staged = VersionState & { stored: StoredToken };

/** A version's value, parsed; its token is known to the redactor from here on. */
export function versionState(
  target: ManagedToken,
  versionId: string,
  text: string | undefined,
  revokedHolder: string | undefined,
): VersionState {
  const stored = parseStoredToken(text, target);
  redactor.add(stored?.token);
  return { versionId, stored, revoked: versionId === revokedHolder };
}

/** The state when only `current` is known: no other version read. */
export function onlyCurrent(description: SecretDescription, current: VersionState, complete: boolean): SecretState {
  return {
    description,
    current,
    pending: undefined,
    pendingEmpty: false,
    previous: undefined,
    claim: undefined,
    promotion: undefined,
    complete,
  };
}
