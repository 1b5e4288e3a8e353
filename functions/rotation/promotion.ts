/**
 * Since when the current version has certainly been AWSCURRENT: a superseded token's grace period counts from
 * that moment, as consumers (which cache what they read for minutes) first see the new token then. Secrets
 * Manager records when a version was created, not when a label moved onto it, and a stored token is
 * immutable once staged, so the moment is bounded rather than known:
 * - a run that mints a token promotes it within its lease (the function's timeout, claim.ts), so its mint
 *   time plus the lease bounds its promotion;
 * - a version staged earlier and promoted later (a run resuming what a failed run left in AWSPENDING, or
 *   Secrets Manager's finishSecret retried hours after createSecret) is promoted after that bound. Its
 *   promoting run first writes a record of the promotion it is about to make (a ClaimRecord naming the
 *   version in `promotes`), labelled BCROTATOR_PROMOTION, and promotes before the record's `leaseUntil`.
 *   The label moves to each newer record, so its holder is the latest such promotion; the record counts when
 *   it names the current version.
 */

import { CLAIM_LEASE_MS, type ClaimRecord } from './claim';
import type { VersionState } from './family';
import type { StoredToken } from './stored-token';

/**
 * How long after its call starts a promotion may land: the promote call's three attempts of at most five
 * seconds with their backoff (aws/clients.ts), and the read that checks an answer lost, with room to spare.
 */
export const PROMOTION_CALL_MS = 60_000;

/**
 * Whether promoting `stored` now could land after its mint time plus the lease, the bound the cleanup uses
 * when no record says otherwise: then the promoting run records the promotion first.
 */
export function promotionMayBeLate(stored: StoredToken, now: Date): boolean {
  return now.getTime() + PROMOTION_CALL_MS > Date.parse(stored.mintedAt) + CLAIM_LEASE_MS;
}

/**
 * Since when `current` has certainly been AWSCURRENT: now for the run that has just promoted it; else its mint
 * time plus the lease, or the end of the lease of the record of its promotion (`promotion`, the
 * BCROTATOR_PROMOTION version's) when that names it. Undefined when it holds no token this product wrote.
 */
export function currentSince(
  current: VersionState,
  promotion: ClaimRecord | undefined,
  justRotated: boolean,
  now: Date,
): Date | undefined {
  if (!current.stored) return undefined;
  if (justRotated) return now;
  const minted = Date.parse(current.stored.mintedAt) + CLAIM_LEASE_MS;
  const recorded = promotion?.promotes === current.versionId ? Date.parse(promotion.leaseUntil) : minted;
  return new Date(Math.max(minted, recorded));
}
