import { assertSafeUrl } from './endpoints';
import { BigCommerceApiError, BigCommerceUnavailableError, knownTitle } from './errors';
import { type RateLimitFamily, readRateLimit } from './rate-limits';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** Label for errors and logs, free of secrets: e.g. `POST /v3/storefront/api-token-private`. */
  endpoint: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Which rate-limit headers to honour, and the quota they count against (a store). */
  rateLimit?: { family: RateLimitFamily; key: string };
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait for a rate-limit window to reset before giving up. */
  maxRateLimitWaitMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRateLimitWaitMs: 30_000,
  timeoutMs: 10_000,
};

export interface HttpClientOptions {
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Milliseconds left before the caller must stop (the Lambda deadline); waits never run past it. */
  remainingMs?: () => number;
  /** Aborted when the invocation is cut off: in-flight requests and waits end at once. */
  signal?: AbortSignal;
}

/**
 * BigCommerce HTTP with the behaviour every endpoint needs: per-attempt timeouts, retries with full
 * jitter on 5xx, timeouts and dropped connections, waiting out 429s for the advertised reset, no retry
 * on other 4xx, no redirects followed (credentials must never travel to another host), and pausing
 * when a quota is spent before the next call hits 429.
 */
export class BigCommerceHttp {
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly remainingMs: () => number;
  private readonly signal: AbortSignal | undefined;
  /** Per quota key: when the spent window resets (epoch ms). */
  private readonly pausedUntil = new Map<string, number>();

  constructor(options: HttpClientOptions = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
    this.signal = options.signal;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    assertSafeUrl(url, request.endpoint);
    let lastProblem = 'no attempt made';
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt += 1) {
      await this.waitForQuota(request);
      const outcome = await this.attempt(request);
      if ('response' in outcome) {
        // A 429 is waited out below; only other answers say how much quota the next call has.
        if (outcome.response.status !== 429) this.noteQuota(request, outcome.response.headers);
        if (outcome.response.status < 300) return outcome.response;
        const error = apiError(request.endpoint, outcome.response);
        if (!error.retryable || attempt === this.policy.maxAttempts) throw error;
        lastProblem = error.message;
        const advertised =
          error.status === 429 && request.rateLimit
            ? readRateLimit(request.rateLimit.family, outcome.response.headers).resetMs
            : undefined;
        await this.pause(
          request.endpoint,
          advertised !== undefined ? Math.min(advertised, this.policy.maxRateLimitWaitMs) : this.backoff(attempt),
          lastProblem,
        );
      } else {
        lastProblem = outcome.problem;
        if (attempt === this.policy.maxAttempts) break;
        await this.pause(request.endpoint, this.backoff(attempt), lastProblem);
      }
    }
    throw new BigCommerceUnavailableError(
      request.endpoint,
      `${lastProblem} (after ${this.policy.maxAttempts} attempts)`,
    );
  }

  private async attempt(request: HttpRequest): Promise<{ response: HttpResponse } | { problem: string }> {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        redirect: 'manual',
        signal: this.attemptSignal(),
        headers: {
          accept: 'application/json',
          ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      });
    } catch (error) {
      const name = (error as Error).name;
      return {
        problem:
          name === 'TimeoutError' || name === 'AbortError'
            ? `no answer within ${this.policy.timeoutMs} ms`
            : 'connection failed',
      };
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const redirect = new BigCommerceApiError(response.status, request.endpoint, undefined);
      redirect.hint =
        'BigCommerce answered with a redirect, which is never followed: credentials are only sent to the configured endpoint';
      throw redirect;
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      return { problem: 'the connection dropped while reading the answer' };
    }
    if (text.trim().length === 0)
      return { response: { status: response.status, headers: response.headers, body: undefined } };
    try {
      return { response: { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown } };
    } catch {
      // A 2xx that is not JSON is as useless as no answer; an error status keeps its status.
      if (response.status < 300) return { problem: `status ${response.status} with a body that is not JSON` };
      return { response: { status: response.status, headers: response.headers, body: undefined } };
    }
  }

  private attemptSignal(): AbortSignal {
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(this.policy.timeoutMs, this.remainingMs())));
    return this.signal ? AbortSignal.any([timeout, this.signal]) : timeout;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }

  private async pause(endpoint: string, ms: number, problem: string): Promise<void> {
    if (ms > this.remainingMs() || this.signal?.aborted)
      throw new BigCommerceUnavailableError(endpoint, `${problem}; no time left to retry before the deadline`);
    if (ms > 0) await this.sleep(ms);
  }

  private noteQuota(request: HttpRequest, headers: Headers): void {
    if (!request.rateLimit) return;
    const { remaining, resetMs } = readRateLimit(request.rateLimit.family, headers);
    const key = `${request.rateLimit.family}:${request.rateLimit.key}`;
    if (remaining === 0 && resetMs !== undefined)
      this.pausedUntil.set(key, Date.now() + Math.min(resetMs, this.policy.maxRateLimitWaitMs));
    else this.pausedUntil.delete(key);
  }

  private async waitForQuota(request: HttpRequest): Promise<void> {
    if (!request.rateLimit) return;
    const until = this.pausedUntil.get(`${request.rateLimit.family}:${request.rateLimit.key}`);
    if (until === undefined) return;
    const wait = until - Date.now();
    if (wait > 0) await this.pause(request.endpoint, wait, 'the rate-limit quota is spent');
  }
}

function apiError(endpoint: string, response: HttpResponse): BigCommerceApiError {
  return new BigCommerceApiError(response.status, endpoint, knownTitle(response.body), response.body);
}
