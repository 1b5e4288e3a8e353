/**
 * The sandbox's notion of "now". It runs with real time but can be moved forward (or frozen), so tests
 * and the local demo reach token expiry and rate-limit resets without sleeping. Every expiry the sandbox
 * checks and every timestamp it issues comes from here.
 */
export class SandboxClock {
  private offsetMs = 0;
  private frozenAtMs: number | undefined;

  nowMs(): number {
    return (this.frozenAtMs ?? Date.now()) + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Moves time forward; going backwards is refused because issued tokens would become "not yet valid". */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock can only advance by a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
  }

  set(at: Date | number): void {
    const target = typeof at === 'number' ? at : at.getTime();
    if (!Number.isFinite(target)) throw new RangeError('clock.set needs a valid date');
    this.offsetMs = target - (this.frozenAtMs ?? Date.now());
  }

  /** Stops time where it is, for assertions at exact window edges. */
  freeze(): void {
    if (this.frozenAtMs === undefined) this.frozenAtMs = Date.now();
  }

  resume(): void {
    if (this.frozenAtMs === undefined) return;
    this.offsetMs -= Date.now() - this.frozenAtMs;
    this.frozenAtMs = undefined;
  }
}
