import type { TokenFamily } from '../config/types';
import type { FailureFacts, RotationStep } from './failure';

export type Outcome = 'rotated' | 'skipped' | 'failed' | 'revoked' | 'planned';

/** One managed token's result, as the handler returns it and the logs record it. Never holds a token. */
export interface TargetResult {
  tokenId: string;
  family: TokenFamily;
  storeHash: string;
  secretName: string;
  outcome: Outcome;
  reason: string;
  /** The step that failed, for `failed`. */
  step?: RotationStep;
  /** Why it failed, as structured facts (no vendor free text), for `failed`. */
  error?: FailureFacts;
  /** The AWSCURRENT version after this run. */
  versionId?: string;
  /** Expiry of the token in AWSCURRENT after this run (null: it does not expire). */
  expiresAt?: string | null;
  /** When the token in AWSCURRENT after this run was minted: the age of a token that never expires. */
  mintedAt?: string;
  /** When this token will next be due. */
  nextDueAt?: string | null;
  /** True when a version staged by an earlier run was verified and promoted. */
  resumed?: boolean;
  /** What was revoked (or, in a dry run, would be). */
  revoked?: string[];
  /** Problems that did not fail the rotation (a cleanup or an announcement that did not go through). */
  warnings?: string[];
}
