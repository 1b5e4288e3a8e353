import { FAMILY_ROTATOR } from '../functions/config/types';
import type { TargetResult } from '../functions/rotation/results';

/** The widest a table may be: it must read in an ordinary terminal. */
export const TABLE_WIDTH = 120;

/** `2026-12-08T22:12:07.000Z` as `2026-12-08 22:12Z`: minutes are enough to read a schedule. */
function shortTime(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z` : '-';
}

/**
 * Per-token outcomes for terminals, with the function that handled each token. Reasons can be long, so
 * each goes on its own line under its row, wrapped to the table's width.
 */
export function outcomeTable(results: TargetResult[]): string {
  const header = ['token', 'function', 'family', 'outcome', 'expires', 'next due'];
  const rows = results.map((r) => [
    r.tokenId,
    `${FAMILY_ROTATOR[r.family]}-rotator`,
    r.family,
    r.outcome,
    shortTime(r.expiresAt),
    shortTime(r.nextDueAt),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const lines = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  results.forEach((result, i) => {
    lines.push(line(rows[i] as string[]));
    for (const text of [result.reason, ...(result.revoked ?? []).map((what) => `revoked ${what}`)]) {
      lines.push(wrapped(text, '    '));
    }
  });
  return lines.join('\n');
}

/**
 * Text as lines of at most TABLE_WIDTH characters: the first line starts with `indent`, the others with
 * `continuation`.
 */
export function wrapped(text: string, indent = '', continuation = indent): string {
  const [first = '', ...rest] = wrap(text, TABLE_WIDTH - Math.max(indent.length, continuation.length));
  return [indent + first, ...rest.map((line) => continuation + line)].join('\n');
}

/** Splits text into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > 0 ? cut : width;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0) lines.push(rest);
  return lines;
}
