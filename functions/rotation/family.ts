import type { ManagedToken, TokenFamily } from '../config/types';
import type { Log } from '../observability/logger';
import type { Clock } from './clock';
import type { RotationPolicy } from './due';
import type { StoreCredentials } from './store-credentials';
import type { StoredToken, TokenUsage } from './stored-token';

/** What a family's `mint` hands back to the core. */
export interface MintedToken {
  /** Exactly as BigCommerce returned it. */
  token: string;
  expiresAt: Date | null;
  usage: TokenUsage;
  /** Family specifics stored beside the token (channels, scopes, ...). */
  details: Record<string, unknown>;
}

export interface FamilyContext {
  clock: Clock;
  credentials: StoreCredentials;
  log: Log;
}

/** A version of the secret, parsed; `stored` is undefined when its value is not one this product wrote. */
export interface VersionState {
  versionId: string;
  stored: StoredToken | undefined;
  /** This version's token was already revoked by a cleanup. */
  revoked: boolean;
}

/** What decides, without a call, whether a cleanup may find anything to revoke. */
export interface CleanupFacts {
  now: Date;
  /** The current token, when the secret holds one this product wrote. */
  current: StoredToken | undefined;
  /** This run has just promoted `current`. */
  justRotated: boolean;
  /** Since when `current` has certainly been AWSCURRENT (promotion.ts); undefined when `current` is undefined. */
  currentSince: Date | undefined;
  /** A cleanup already finished since `current` became current. */
  cleaned: boolean;
  /**
   * A rotation was attempted since `current` became current (its claim label is elsewhere): it may have
   * minted a token it could not store.
   */
  attemptSince: boolean;
}

export interface CleanupState {
  now: Date;
  /** Report what would be revoked, revoke nothing. */
  dryRun: boolean;
  current: VersionState;
  previous: VersionState | undefined;
  /** Since when `current` has certainly been AWSCURRENT (promotion.ts); undefined when it holds no token of ours. */
  currentSince: Date | undefined;
  /**
   * The tokens this product wrote into the secret, from every version Secrets Manager still keeps (versions
   * without a label included): what the secret has held. Read when asked, one call a version.
   */
  pastTokens(): Promise<StoredToken[]>;
}

export interface RevokedToken {
  /** For people: what was revoked (never the value). */
  description: string;
  /** The secret version whose token this was, when there is one. */
  versionId?: string;
}

export interface CleanupReport {
  revoked: RevokedToken[];
  failures: { description: string; error: string }[];
}

/**
 * One token family: how to mint, verify and (optionally) clean up its tokens. The rotation flow around
 * these calls is written once, in rotation/ (scheduled.ts and protocol.ts, the steps in steps.ts).
 */
export interface FamilyAdapter<T extends ManagedToken = ManagedToken> {
  readonly family: TokenFamily;
  policy(target: T): RotationPolicy;
  /** Why the stored token no longer fits the configuration (e.g. scopes changed); families whose tokens have no configurable shape omit it. */
  drift?(target: T, stored: StoredToken): string | undefined;
  /** Mints at `mintedAt`, the instant the secret will record (families needing whole seconds floor it). */
  mint(target: T, context: FamilyContext, mintedAt: Date): Promise<MintedToken>;
  /** Resolves when the token works at BigCommerce; throws with the reason otherwise. */
  verify(target: T, stored: StoredToken, context: FamilyContext): Promise<void>;
  /** Revokes superseded tokens this product minted, as the family's policy says; absent when a family cannot revoke. */
  cleanup?(target: T, state: CleanupState, context: FamilyContext): Promise<CleanupReport>;
  /**
   * Revokes a token this run minted that lost the promotion to another run's, so it is not left live with
   * nothing holding it; returns what was revoked, in words. Absent when the family cannot revoke.
   */
  revokeMinted?(target: T, stored: StoredToken, context: FamilyContext): Promise<string>;
  /**
   * Whether a cleanup may find anything now (default: when none finished since the current token became
   * current). Lets runs with nothing to clean up make no call for it.
   */
  cleanupDue?(target: T, facts: CleanupFacts): boolean;
  /** Whether this target asks for cleanup (revocation is optional for some families); default: always. */
  wantsCleanup?(target: T): boolean;
}
