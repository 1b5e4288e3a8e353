/** The two rate-limit header families BigCommerce uses. */
export type RateLimitFamily = 'core' | 'b2b';

export interface RateLimitState {
  /** Requests left in the current window, when the response said. */
  remaining?: number;
  /** Milliseconds until the window resets, when the response said. */
  resetMs?: number;
}

/** Reads `X-Rate-Limit-Requests-Left` / `-Time-Reset-Ms` (core) or `X-Requests-Remaining` / `X-Request-Window-Resets-After` (B2B). */
export function readRateLimit(family: RateLimitFamily, headers: Headers): RateLimitState {
  if (family === 'core') {
    return {
      remaining: integer(headers.get('x-rate-limit-requests-left')),
      resetMs: integer(headers.get('x-rate-limit-time-reset-ms')),
    };
  }
  return {
    remaining: integer(headers.get('x-requests-remaining')),
    resetMs: parseWindowReset(headers.get('x-request-window-resets-after')),
  };
}

/**
 * `X-Request-Window-Resets-After` as milliseconds. Accepts a bare number of seconds or a number with a
 * unit (`42s`, `42 seconds`, `500ms`), since the header is documented as a time with its unit.
 */
export function parseWindowReset(value: string | null): number | undefined {
  if (value === null) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.ceil(unit.startsWith('m') ? amount : amount * 1000);
}

function integer(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}
