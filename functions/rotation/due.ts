import { formatDuration } from '../config/duration';
import type { StoredToken } from './stored-token';

/** When a family's tokens are due: before they expire, or (for tokens that never expire) on a period. */
export type RotationPolicy =
  | { kind: 'expiring'; renewBeforeSeconds: number }
  | { kind: 'period'; rotationPeriodSeconds: number };

type PeriodPolicy = Extract<RotationPolicy, { kind: 'period' }>;
type ExpiringPolicy = Extract<RotationPolicy, { kind: 'expiring' }>;

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
 * Step 2 of a rotation (decide): due when there is no usable token, when the configuration changed, when
 * the remaining lifetime is inside the renewal window (`expiresAt - now <= renewBefore`), when the rotation
 * period has passed, or when forced. Otherwise skip, and say when it will be due.
 */
export function decideDue({ current, now, policy, force, drift }: DueInput): DueDecision {
  if (force) return { due: true, reason: 'forced' };
  if (!current) return { due: true, reason: 'the secret holds no token written by this rotator' };
  if (drift) return { due: true, reason: `the configuration changed: ${drift}` };

  if (policy.kind === 'period') {
    const dueAt = periodDueAt(policy, current);
    if (now >= dueAt)
      return {
        due: true,
        reason: `minted ${current.mintedAt}, the ${formatDuration(policy.rotationPeriodSeconds)} rotation period has passed`,
      };
    return {
      due: false,
      reason: `minted ${current.mintedAt}; next rotation at ${dueAt.toISOString()}`,
      nextDueAt: dueAt,
    };
  }

  if (current.expiresAt === null) return { due: true, reason: 'the stored token has no expiry date' };
  const expiresAt = Date.parse(current.expiresAt);
  const dueAt = renewalDueAt(policy, current.expiresAt);
  if (expiresAt <= now.getTime()) return { due: true, reason: `expired at ${current.expiresAt}` };
  if (now >= dueAt)
    return {
      due: true,
      reason: `expires at ${current.expiresAt}, inside the ${formatDuration(policy.renewBeforeSeconds)} renewal window`,
    };
  return {
    due: false,
    reason: `valid until ${current.expiresAt}; renewal due at ${dueAt.toISOString()}`,
    nextDueAt: dueAt,
  };
}

/** When `stored` comes due under `policy`; null for a token that should expire but records no expiry date. */
export function nextDueAt(policy: RotationPolicy, stored: StoredToken): Date | null {
  if (policy.kind === 'period') return periodDueAt(policy, stored);
  return stored.expiresAt === null ? null : renewalDueAt(policy, stored.expiresAt);
}

function periodDueAt(policy: PeriodPolicy, stored: StoredToken): Date {
  return new Date(Date.parse(stored.mintedAt) + policy.rotationPeriodSeconds * 1000);
}

function renewalDueAt(policy: ExpiringPolicy, expiresAt: string): Date {
  return new Date(Date.parse(expiresAt) - policy.renewBeforeSeconds * 1000);
}
