import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AUDIT_DIR } from '../support/audit';
import { GRAM, describeSecret, scanForLeaks } from './secret-forms';

/**
 * After the whole suite: none of the tokens, store credentials or passwords any sandbox issued appears in
 * any log line, event, handler response, error message, synthesized template (Lambda environment
 * included) or script output the suite recorded: not whole, not cut off to a run of GRAM characters, not
 * JSON-escaped, URL-encoded, base64-encoded or upper-cased (see secret-forms.ts).
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

  it('collected from the suite: secrets, short ones included, and texts of every kind', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(secrets.size).toBeGreaterThan(500);
    expect([...secrets].some((s) => s.length < GRAM)).toBe(true);
    for (const label of ['output', 'events', 'response', 'error', 'template'])
      expect(texts.some((t) => t.label === label)).toBe(true);
    expect(texts.some((t) => t.label.endsWith('output') && t.label !== 'output')).toBe(true);
  });

  it('finds no secret in any of them, in any form', () => {
    const values = [...secrets];
    const started = performance.now();
    const { leaks, forms } = scanForLeaks(
      values,
      texts.map((t) => t.text),
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const report = leaks.map(({ text, secret, form, whole }) => {
      const { file, label } = texts[text] as (typeof texts)[number];
      const what = whole ? 'whole' : `a run of ${GRAM}+ characters`;
      return `${file} (${label}): ${form}, ${what}, of a ${describeSecret(values[secret] as string)}`;
    });
    const bytes = texts.reduce((n, t) => n + t.text.length, 0);
    process.stdout.write(
      `secret audit: ${secrets.size} secret values, ${texts.length} texts (${bytes} characters) from ${files.length} test files, ${forms} forms checked in ${seconds} s, ${leaks.length} leaks\n`,
    );
    expect(report).toEqual([]);
  });
});
