/** What replaces a secret value wherever it would have been written. */
export const REDACTED = '[REDACTED]';
/** Shorter strings are too likely to occur by chance to be worth scrubbing (and are not credentials). */
const MIN_SECRET_LENGTH = 8;

/**
 * Every credential and token value this process has seen. Logs, events, errors and responses are
 * written from typed fields that never hold a secret; this scrubs them anyway, so a mistake in one
 * message cannot leak what the registry knows.
 */
export class Redactor {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.values.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out;
  }

  /** A deep copy of a JSON-like value with every string scrubbed. */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v)) as T;
    if (value instanceof Date) return value;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.redactDeep(v)])) as T;
    }
    return value;
  }

  get size(): number {
    return this.values.size;
  }
}

/** The process-wide registry: warm Lambda invocations keep scrubbing what earlier ones saw. */
export const redactor = new Redactor();

/** An error as a loggable, secret-free record. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: redactor.redact(error.message) };
  return { name: 'Error', message: redactor.redact(String(error)) };
}
