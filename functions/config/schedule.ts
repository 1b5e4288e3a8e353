/**
 * EventBridge Scheduler expressions, analysed for the one property token freshness depends on: the
 * longest possible gap between two runs. `rate()` is exact; `cron()` is evaluated over two years of
 * firings. `at()` (one-time) schedules are refused: they cannot keep anything fresh.
 */
export type ScheduleAnalysis = { ok: true; maxGapSeconds: number } | { ok: false; problem: string };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Daylight-saving shifts can stretch a gap in a non-UTC zone by up to an hour. */
const DST_SLACK_SECONDS = 3600;
const SIMULATED_DAYS = 731;

export function analyseSchedule(expression: string, timeZone = 'UTC'): ScheduleAnalysis {
  const text = expression.trim();
  if (text.startsWith('at('))
    return { ok: false, problem: 'one-time at() schedules cannot keep tokens fresh; use rate() or cron()' };
  const rate = RATE.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) return { ok: false, problem: 'a rate must be at least 1' };
    if ((value === 1) !== !unit.endsWith('s'))
      return {
        ok: false,
        problem: `use "${value === 1 ? unit.replace(/s$/, '') : `${unit}s`}" with a value of ${value}`,
      };
    return { ok: true, maxGapSeconds: value * (UNIT_SECONDS[unit.replace(/s$/, '')] as number) };
  }
  const cron = /^cron\((.+)\)$/.exec(text);
  if (!cron)
    return { ok: false, problem: 'expected rate(<n> <minute|minutes|hour|hours|day|days>) or cron(<6 fields>)' };
  const parsed = parseCron(cron[1] as string);
  if ('problem' in parsed) return { ok: false, problem: parsed.problem };
  const gap = longestCronGap(parsed);
  if (gap === undefined) return { ok: false, problem: 'this cron expression never fires in the next two years' };
  return { ok: true, maxGapSeconds: gap + (timeZone === 'UTC' ? 0 : DST_SLACK_SECONDS) };
}

/** Whether `timeZone` is an IANA zone name this runtime (and EventBridge Scheduler) understands. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface CronFields {
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number> | 'any';
  months: Set<number>;
  daysOfWeek: Set<number> | 'any';
  years: Set<number> | 'any';
}

function parseCron(body: string): CronFields | { problem: string } {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    return {
      problem: `cron() needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    };
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if (/[LW#]/.test(`${dom} ${dow}`))
    return { problem: 'cron L, W and # are not supported here; use plain values, ranges, lists and steps' };
  if ((dom === '?') === (dow === '?')) return { problem: 'exactly one of day-of-month and day-of-week must be "?"' };
  try {
    return {
      minutes: [...expand(min, 0, 59, 'minutes')].sort((a, b) => a - b),
      hours: [...expand(hour, 0, 23, 'hours')].sort((a, b) => a - b),
      daysOfMonth: dom === '?' ? 'any' : expand(dom, 1, 31, 'day-of-month'),
      months: expand(month, 1, 12, 'month', MONTHS),
      daysOfWeek: dow === '?' ? 'any' : expand(dow, 1, 7, 'day-of-week', WEEKDAYS),
      years: year === '*' ? 'any' : expand(year, 1970, 2199, 'year'),
    };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

function expand(field: string, min: number, max: number, name: string, names?: string[]): Set<number> {
  const values = new Set<number>();
  const toNumber = (token: string): number => {
    const index = names?.indexOf(token.toUpperCase()) ?? -1;
    const n = index >= 0 ? index + 1 : Number(token);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`cron ${name} value "${token}" is outside ${min}-${max}`);
    return n;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new Error(`cron ${name} step "${stepText}" must be a positive integer`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [toNumber(a), toNumber(b)];
      if (from > to) throw new Error(`cron ${name} range "${range}" runs backwards`);
    } else {
      from = toNumber(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/**
 * Longest gap in seconds between firings over two years from today, counting the stretch before the first
 * and after the last firing too (so a cron limited to some years shows up as a huge gap), or undefined
 * when it never fires.
 */
function longestCronGap(cron: CronFields): number | undefined {
  const start = new Date();
  const firstDay = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  let previous = firstDay / 1000;
  let fired = false;
  let longest = 0;
  for (let day = 0; day < SIMULATED_DAYS; day += 1) {
    const date = new Date(firstDay + day * 86_400_000);
    if (!dayMatches(cron, date)) continue;
    for (const h of cron.hours) {
      for (const m of cron.minutes) {
        const at = date.getTime() / 1000 + h * 3600 + m * 60;
        longest = Math.max(longest, at - previous);
        previous = at;
        fired = true;
      }
    }
  }
  if (!fired) return undefined;
  return Math.max(longest, firstDay / 1000 + SIMULATED_DAYS * 86_400 - previous);
}

function dayMatches(cron: CronFields, date: Date): boolean {
  if (!cron.months.has(date.getUTCMonth() + 1)) return false;
  if (cron.years !== 'any' && !cron.years.has(date.getUTCFullYear())) return false;
  if (cron.daysOfMonth !== 'any') return cron.daysOfMonth.has(date.getUTCDate());
  return cron.daysOfWeek !== 'any' && cron.daysOfWeek.has(date.getUTCDay() + 1);
}
