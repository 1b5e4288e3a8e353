import { SandboxClock } from '../../sandbox/clock';

describe('SandboxClock', () => {
  it('advances and can be set, never backwards by advance', () => {
    const clock = new SandboxClock();
    clock.freeze();
    const start = clock.nowMs();
    clock.advance(5000);
    expect(clock.nowMs()).toBe(start + 5000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.set(Date.UTC(2030, 0, 1));
    expect(clock.now().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(clock.nowSeconds()).toBe(Date.UTC(2030, 0, 1) / 1000);
  });

  it('keeps its offset when frozen time resumes', () => {
    const clock = new SandboxClock();
    clock.freeze();
    clock.set(Date.UTC(2031, 5, 1));
    clock.resume();
    expect(Math.abs(clock.nowMs() - Date.UTC(2031, 5, 1))).toBeLessThan(1000);
  });
});
