import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AUDIT_DIR } from '../support/audit';

/**
 * After the whole suite: none of the tokens, store credentials or passwords any sandbox issued appears in
 * any log line, event, handler response, error message, synthesized template (Lambda environment
 * included) or script output the suite recorded.
 */
describe('secret audit of the whole test suite', () => {
  const secrets = new Set<string>();
  const texts: { file: string; label: string; text: string }[] = [];
  const files = readdirSync(AUDIT_DIR).filter((f) => f.endsWith('.jsonl'));
  for (const file of files) {
    for (const line of readFileSync(path.join(AUDIT_DIR, file), 'utf8').split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as { secrets?: string[]; label?: string; text?: string };
      for (const s of record.secrets ?? []) secrets.add(s);
      if (record.text !== undefined) texts.push({ file, label: record.label ?? '', text: record.text });
    }
  }

  it('collected from the suite: secrets, and texts of every kind', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(secrets.size).toBeGreaterThan(500);
    for (const label of ['output', 'events', 'response', 'error', 'template'])
      expect(texts.some((t) => t.label === label)).toBe(true);
    expect(texts.some((t) => t.label.endsWith('output') && t.label !== 'output')).toBe(true);
  });

  it('finds no secret in any of them', () => {
    const leaks: string[] = [];
    for (const { file, label, text } of texts) {
      for (const secret of secrets)
        if (text.includes(secret))
          leaks.push(`${file} (${label}) contains a ${secret.length}-character secret starting ${secret.slice(0, 4)}`);
    }
    const bytes = texts.reduce((n, t) => n + t.text.length, 0);
    process.stdout.write(
      `secret audit: ${secrets.size} secret values, ${texts.length} texts (${bytes} characters) from ${files.length} test files, ${leaks.length} leaks\n`,
    );
    expect(leaks).toEqual([]);
  });
});
