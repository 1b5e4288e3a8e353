import type { TargetResult } from '../functions/rotation/results';

/** A readable table of per-token outcomes for terminals. */
export function outcomeTable(results: TargetResult[]): string {
  const rows = results.map((r) => [
    r.tokenId,
    r.family,
    r.outcome,
    r.expiresAt ?? '-',
    r.nextDueAt ?? '-',
    r.secretName,
    r.reason,
  ]);
  const header = ['token', 'family', 'outcome', 'expires at', 'next due', 'secret', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map((row) => line(row.map(String)))].join('\n');
}
