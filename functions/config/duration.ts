/**
 * Durations in configuration are strings with an explicit unit (`90s`, `15m`, `12h`, `7d`), so that
 * `"lifetime": 7` can never silently mean seconds to one reader and days to another.
 */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const PATTERN = /^(\d+)(s|m|h|d)$/;

/** Seconds in a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

/** The largest whole unit that divides the value, for messages: 172800 → "2d", 5400 → "90m". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
