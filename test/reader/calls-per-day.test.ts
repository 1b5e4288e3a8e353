import { createTokenReader, type TokenReaderOptions } from '../../reader';
import {
  DAY_START,
  HOURLY,
  type Rotation,
  SimulatedSecret,
  simulateDay,
  simulatedClient,
  WEEKLY,
} from './simulated-day';

/** One simulated day of a consumer calling getToken() once a second, counted with a fake clock. */
async function day(rotation: Rotation, options: Partial<TokenReaderOptions> = {}) {
  let now = DAY_START;
  const { client, calls } = simulatedClient(new SimulatedSecret(rotation), () => now);
  const reader = createTokenReader({ secretId: 'simulated', client, clock: { now: () => new Date(now) }, ...options });
  return simulateDay(
    rotation,
    (ms) => {
      now = ms;
    },
    () => reader.getToken(),
    calls,
  );
}

describe('GetSecretValue calls over a simulated day (getToken() once a second)', () => {
  it('with the defaults: one read per 5 minutes, whether the token expires every hour or every 7 days', async () => {
    for (const rotation of [HOURLY, WEEKLY]) {
      const report = await day(rotation);
      expect(report).toEqual({
        getTokenCalls: 86_400,
        getSecretValueCalls: 288,
        expiredSeconds: 0,
        longestSupersededSeconds: expect.any(Number),
      });
      expect(report.longestSupersededSeconds).toBeLessThan(300);
    }
  });

  it('with a one-hour maxAgeMs: 24 reads for the 7-day token; the hourly one is read before each expiry (48), never used expired', async () => {
    const weekly = await day(WEEKLY, { maxAgeMs: 3_600_000 });
    expect(weekly).toMatchObject({ getSecretValueCalls: 24, expiredSeconds: 0 });
    const hourly = await day(HOURLY, { maxAgeMs: 3_600_000 });
    expect(hourly.expiredSeconds).toBe(0);
    expect(hourly.getSecretValueCalls).toBe(48);
  });
});
