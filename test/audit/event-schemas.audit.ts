import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EVENT_SOURCE } from '../../functions/config/types';
import { AUDIT_DIR } from '../support/audit';
import { EVENT_SCHEMA_FILES, eventDetailValidator } from '../reader/event-schemas';

/**
 * After the whole suite: every event the product published to a sandbox during the suite matches the
 * schema of its detail-type in schemas/, so the published schemas cannot drift from the code. The
 * simulator's own tests (test/sandbox) send hand-made events to exercise PutEvents; those are not the
 * product's and are left out.
 */
describe('event schemas against every event the suite published', () => {
  const validate = eventDetailValidator();
  const events: { file: string; detailType: string; detail: unknown }[] = [];
  const files = readdirSync(AUDIT_DIR).filter((f) => f.endsWith('.jsonl') && !/_test_sandbox_/.test(f));
  for (const file of files) {
    for (const line of readFileSync(path.join(AUDIT_DIR, file), 'utf8').split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as { label?: string; text?: string };
      if (record.label !== 'events' || record.text === undefined) continue;
      const recorded = JSON.parse(record.text) as { source: string; detailType: string; detail: unknown }[];
      for (const e of recorded) {
        if (e.source === EVENT_SOURCE) events.push({ file, detailType: e.detailType, detail: e.detail });
      }
    }
  }

  it('saw events of every type', () => {
    const seen = new Set(events.map((e) => e.detailType));
    expect([...seen].sort()).toEqual(expect.arrayContaining(Object.keys(EVENT_SCHEMA_FILES).sort()));
  });

  it('finds every detail valid against its schema', () => {
    const problems = events.flatMap(({ file, detailType, detail }) =>
      validate(detailType, detail).map((problem) => `${file}: ${detailType}: ${problem}`),
    );
    const counts = Object.keys(EVENT_SCHEMA_FILES).map(
      (t) => `${events.filter((e) => e.detailType === t).length} ${t}`,
    );
    process.stdout.write(
      `event schemas: ${events.length} events (${counts.join(', ')}), ${problems.length} problems\n`,
    );
    expect(problems).toEqual([]);
  });
});
