import { createHash } from 'node:crypto';
import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import type { ManagedToken } from '../config/types';
import { STAGES, type SecretDescription, stageHolder } from './secret-store';
import type { StoredToken } from './stored-token';
import { STORED_TOKEN_SCHEMA_VERSION } from './stored-token';

/**
 * Claims make "at most one run mints" hold without a lock service. Before minting, a run writes a claim
 * version whose id is derived from what it read (the AWSCURRENT version and the claim holder). Runs that
 * read the same state derive the same id; Secrets Manager refuses a second write of an id with other data,
 * so exactly one of them claims and the others stand down. The claim label then moves to the staged token
 * and, once that is promoted, sits on AWSCURRENT: the free state, recognised without another read.
 * A claim lasts for the function's timeout (its lease); a run that fails gives it up (BCROTATOR_RELEASED),
 * so the next run retries at once instead of waiting for the lease.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

export const CLAIM_STATUS = 'rotation-claimed';

/** What a claim version holds: no token, only who claimed which state, and until when. */
export interface ClaimRecord {
  claimedAt: string;
  leaseUntil: string;
  /** The AWSCURRENT version the claim was made on; a claim on an older one is over. */
  basedOnVersionId: string;
  runId: string;
  /**
   * The version the run means to promote, when it was staged earlier (by another run, or by createSecret in
   * another invocation): its promotion happens before `leaseUntil`, later than its mint time says.
   */
  promotes?: string;
}

const claimSchema = lazySchema(() =>
  z.object({
    status: z.literal(CLAIM_STATUS),
    claim: z.object({
      claimedAt: z.iso.datetime(),
      leaseUntil: z.iso.datetime(),
      basedOnVersionId: z.string(),
      runId: z.string(),
      promotes: z.optional(z.string()),
    }),
  }),
);

export function claimValue(target: Pick<ManagedToken, 'id' | 'family' | 'storeHash'>, claim: ClaimRecord): string {
  return JSON.stringify({
    schemaVersion: STORED_TOKEN_SCHEMA_VERSION,
    token: null,
    status: CLAIM_STATUS,
    tokenId: target.id,
    family: target.family,
    storeHash: target.storeHash,
    claim,
  });
}

export function parseClaim(text: string | undefined): ClaimRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = claimSchema().safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.claim : undefined;
  } catch {
    return undefined;
  }
}

/** A version id (UUID-shaped, as Secrets Manager's ClientRequestToken wants) derived from `parts`. */
export function derivedVersionId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The id of the next claim: every run that read this state derives the same one. */
export function nextClaimId(secretName: string, description: SecretDescription, currentVersionId: string): string {
  return derivedVersionId('claim', secretName, currentVersionId, stageHolder(description, STAGES.claim) ?? '-');
}

/** The placeholder's version id: concurrent writers of the first version agree on it. */
export function placeholderVersionId(secretName: string): string {
  return derivedVersionId('placeholder', secretName);
}

export type ClaimState = { held: false } | { held: true; until: Date };

/**
 * Whether another invocation holds the rotation now. The claim label on AWSCURRENT, on AWSPREVIOUS or on a
 * released version is free: on AWSPREVIOUS it sits on a token that was promoted (a claim version is never
 * current), so that rotation finished and the secret changed since, by a later write such as an edit in
 * the console. On the staged token it is held until the token's mint time plus the lease; on a claim
 * version, until its lease, and only while AWSCURRENT is the version it was made on.
 */
export function claimState(input: {
  description: SecretDescription;
  currentVersionId: string;
  now: Date;
  pending: { versionId: string; stored: StoredToken | undefined } | undefined;
  claimRecord: ClaimRecord | undefined;
}): ClaimState {
  const { description, currentVersionId, now, pending, claimRecord } = input;
  const holder = stageHolder(description, STAGES.claim);
  const over = [currentVersionId, stageHolder(description, STAGES.previous), stageHolder(description, STAGES.released)];
  if (!holder || over.includes(holder)) return { held: false };
  let until: Date | undefined;
  if (holder === pending?.versionId && pending.stored) {
    until = new Date(Date.parse(pending.stored.mintedAt) + CLAIM_LEASE_MS);
  } else if (claimRecord && claimRecord.basedOnVersionId === currentVersionId) {
    until = new Date(claimRecord.leaseUntil);
  }
  return until && until > now ? { held: true, until } : { held: false };
}
