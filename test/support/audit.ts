import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The secret audit's collection side. Every test file records the secret values its sandboxes issued and
 * every text the product produced (logs, events, responses, errors, templates, script output); after the
 * whole suite, test/audit/secrets.audit.ts scans every text for every secret.
 */
/**
 * Where the records go; `SECRET_AUDIT_DIR` moves them, so that two runs of the suite in one working tree do not
 * wipe each other's records (each run starts by emptying the directory).
 */
export const AUDIT_DIR = path.resolve(
  process.env.SECRET_AUDIT_DIR ?? path.join(__dirname, '../../.jest-artifacts/audit'),
);

function append(record: Record<string, unknown>): void {
  mkdirSync(AUDIT_DIR, { recursive: true });
  const testPath = (expect.getState().testPath ?? 'unknown').replace(/[^A-Za-z0-9]+/g, '_');
  appendFileSync(path.join(AUDIT_DIR, `${testPath}.jsonl`), `${JSON.stringify(record)}\n`);
}

/**
 * Records secret values, however short: a short password is still a password, and the audit looks for short
 * ones whole (see test/audit/secret-forms.ts).
 */
export function auditSecrets(values: (string | undefined)[]): void {
  const secrets = [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
  if (secrets.length > 0) append({ secrets });
}

export function auditText(label: string, text: string): void {
  if (text.length > 0) append({ label, text });
}
