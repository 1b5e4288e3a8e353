/**
 * Spaces calls at least `1 / perSecond` apart. Secrets Manager allows an account 50 PutSecretValue and
 * UpdateSecretVersionStage calls a second in all (not adjustable): each invocation that writes takes a
 * fixed share of that, so parallel invocations together stay under it.
 */
export class RateLimiter {
  private nextAt = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new Error(`a rate limit must be above 0 calls a second, not ${perSecond}`);
  }

  /** Resolves when the caller may make its call. */
  async acquire(): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.perSecond;
    if (at > now) await this.sleep(at - now);
  }
}
