import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The secret audit's collection side. Every test file records the secret values its sandboxes issued and
 * every text the product produced (logs, events, responses, errors, templates, script output); after the
 * whole suite, test/audit/secrets.audit.ts scans every text for every secret.
 */
export const AUDIT_DIR = path.resolve(__dirname, '../../.jest-artifacts/audit');

function append(record: Record<string, unknown>): void {
  mkdirSync(AUDIT_DIR, { recursive: true });
  const testPath = (expect.getState().testPath ?? 'unknown').replace(/[^A-Za-z0-9]+/g, '_');
  appendFileSync(path.join(AUDIT_DIR, `${testPath}.jsonl`), `${JSON.stringify(record)}\n`);
}

export function auditSecrets(values: (string | undefined)[]): void {
  const secrets = values.filter((v): v is string => typeof v === 'string' && v.length >= 8);
  if (secrets.length > 0) append({ secrets });
}

export function auditText(label: string, text: string): void {
  if (text.length > 0) append({ label, text });
}
