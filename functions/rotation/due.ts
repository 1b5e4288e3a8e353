import { formatDuration } from '../config/duration';
import type { StoredToken } from './stored-token';

/** When a family's tokens are due: before they expire, or (for tokens that never expire) on a period. */
export type RotationPolicy =
  | { kind: 'expiring'; renewBeforeSeconds: number }
  | { kind: 'period'; rotationPeriodSeconds: number };

export type DueDecision = { due: true; reason: string } | { due: false; reason: string; nextDueAt: Date };

export interface DueInput {
  current: StoredToken | undefined;
  now: Date;
  policy: RotationPolicy;
  force: boolean;
  /** Why the stored token no longer matches its configuration, if it does not. */
  drift?: string;
}

/**
 * DESIGN's step 2: due when there is no usable token, when the configuration changed, when the remaining
 * lifetime is inside the renewal window (`expiresAt - now <= renewBefore`), when the rotation period has
 * passed, or when forced. Otherwise skip, and say when it will be due.
 */
export function decideDue({ current, now, policy, force, drift }: DueInput): DueDecision {
  if (force) return { due: true, reason: 'forced' };
  if (!current) return { due: true, reason: 'the secret holds no token written by this rotator' };
  if (drift) return { due: true, reason: `the configuration changed: ${drift}` };

  if (policy.kind === 'period') {
    const nextDueAt = new Date(Date.parse(current.mintedAt) + policy.rotationPeriodSeconds * 1000);
    if (now >= nextDueAt)
      return {
        due: true,
        reason: `minted ${current.mintedAt}, the ${formatDuration(policy.rotationPeriodSeconds)} rotation period has passed`,
      };
    return { due: false, reason: `minted ${current.mintedAt}; next rotation at ${nextDueAt.toISOString()}`, nextDueAt };
  }

  if (current.expiresAt === null) return { due: true, reason: 'the stored token has no expiry date' };
  const expiresAt = Date.parse(current.expiresAt);
  const nextDueAt = new Date(expiresAt - policy.renewBeforeSeconds * 1000);
  if (expiresAt <= now.getTime()) return { due: true, reason: `expired at ${current.expiresAt}` };
  if (now >= nextDueAt)
    return {
      due: true,
      reason: `expires at ${current.expiresAt}, inside the ${formatDuration(policy.renewBeforeSeconds)} renewal window`,
    };
  return {
    due: false,
    reason: `valid until ${current.expiresAt}; renewal due at ${nextDueAt.toISOString()}`,
    nextDueAt,
  };
}
