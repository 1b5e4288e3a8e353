import type { SandboxClock } from './clock';

export interface RateLimitPolicy {
  /** Requests allowed per window. */
  quota: number;
  windowMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  quota: number;
  remaining: number;
  windowMs: number;
  /** Milliseconds until the quota refills. */
  resetMs: number;
}

/** Fixed-window request quota per key (a store), on the sandbox clock. */
export class FixedWindowLimiter {
  private windows = new Map<string, { startMs: number; used: number }>();

  constructor(
    private readonly clock: SandboxClock,
    private current: RateLimitPolicy,
  ) {
    validatePolicy(current);
  }

  get policy(): RateLimitPolicy {
    return this.current;
  }

  setPolicy(policy: RateLimitPolicy): void {
    validatePolicy(policy);
    this.current = policy;
    this.windows.clear();
  }

  consume(key: string): RateLimitDecision {
    const now = this.clock.nowMs();
    let window = this.windows.get(key);
    if (!window || now - window.startMs >= this.current.windowMs) {
      window = { startMs: now, used: 0 };
      this.windows.set(key, window);
    }
    const allowed = window.used < this.current.quota;
    if (allowed) window.used += 1;
    return {
      allowed,
      quota: this.current.quota,
      remaining: this.current.quota - window.used,
      windowMs: this.current.windowMs,
      resetMs: Math.max(0, window.startMs + this.current.windowMs - now),
    };
  }
}

function validatePolicy(policy: RateLimitPolicy): void {
  if (!Number.isInteger(policy.quota) || policy.quota < 1)
    throw new RangeError(`rate-limit quota must be a positive integer, got ${policy.quota}`);
  if (!Number.isFinite(policy.windowMs) || policy.windowMs <= 0)
    throw new RangeError(`rate-limit window must be a positive number of ms, got ${policy.windowMs}`);
}
