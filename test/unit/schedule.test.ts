import { analyseSchedule, isValidTimeZone } from '../../functions/config/schedule';

const gap = (expression: string, timeZone?: string) => {
  const analysis = analyseSchedule(expression, timeZone);
  if (!analysis.ok) throw new Error(analysis.problem);
  return analysis.maxGapSeconds;
};
const problem = (expression: string) => {
  const analysis = analyseSchedule(expression);
  return analysis.ok ? undefined : analysis.problem;
};

describe('schedule analysis', () => {
  it('reads rate() exactly, with AWS unit grammar', () => {
    expect(gap('rate(1 hour)')).toBe(3600);
    expect(gap('rate(15 minutes)')).toBe(900);
    expect(gap('rate(2 days)')).toBe(172_800);
    expect(problem('rate(1 hours)')).toMatch(/use "hour"/);
    expect(problem('rate(5 minute)')).toMatch(/use "minutes"/);
    expect(problem('rate(0 minutes)')).toMatch(/at least 1/);
  });

  it('finds the longest gap of a cron schedule', () => {
    expect(gap('cron(0 * * * ? *)')).toBe(3600);
    expect(gap('cron(*/20 * * * ? *)')).toBe(1200);
    expect(gap('cron(0 9,17 * * ? *)')).toBe(16 * 3600);
    expect(gap('cron(0 9 ? * MON-FRI *)')).toBe(3 * 86_400);
    expect(gap('cron(30 2 1 * ? *)')).toBeGreaterThanOrEqual(31 * 86_400);
  });

  it('adds an hour of slack for daylight saving outside UTC', () => {
    expect(gap('cron(0 * * * ? *)', 'Europe/Amsterdam')).toBe(7200);
  });

  it('refuses what cannot keep tokens fresh or cannot be analysed', () => {
    expect(problem('at(2027-01-01T00:00:00)')).toMatch(/one-time/);
    expect(problem('cron(0 * * * *)')).toMatch(/6 fields/);
    expect(problem('cron(0 * * * * *)')).toMatch(/exactly one of day-of-month and day-of-week/);
    expect(problem('cron(0 0 L * ? *)')).toMatch(/not supported/);
    expect(problem('cron(0 25 * * ? *)')).toMatch(/outside 0-23/);
    expect(problem('cron(0 0 1 1 ? 1999)')).toMatch(/outside 1970-2199|never fires/);
    expect(gap('cron(0 0 * * ? 2027)')).toBeGreaterThan(86_400 * 30);
  });

  it('knows IANA time zones', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Nowhere/Else')).toBe(false);
  });
});
