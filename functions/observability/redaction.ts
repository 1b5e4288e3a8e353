/** What replaces a secret value wherever it would have been written. */
export const REDACTED = '[REDACTED]';

/**
 * A run of this many characters of a secret is treated as the secret: a message that cut a credential in
 * half (a truncated echo) still leaks what it kept. Shorter secrets are matched whole.
 */
export const SECRET_RUN = 8;

/**
 * The forms a secret can take in text it was echoed into: as is, and JSON-escaped once or twice (a password
 * with `"` or `\` inside a JSON body, itself quoted in another); each of those URL-encoded, and in base64
 * (standard and URL-safe) at each of the three byte alignments, keeping only the characters that depend on
 * the secret alone, so a secret inside a longer base64 text (an echoed JSON body) is found too. Textual
 * forms are compared case-folded (an upper-cased echo); base64 is case-sensitive.
 */
export function secretForms(secret: string): { folded: string[]; exact: string[] } {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const textual = [...new Set([secret, escaped, JSON.stringify(escaped).slice(1, -1)])];
  const folded = [...textual, ...textual.map(encodeURIComponent)].map((f) => f.toLowerCase());
  const exact = textual.flatMap(base64Forms);
  return { folded: [...new Set(folded)], exact: [...new Set(exact)] };
}

/** Base64 and base64url of `text` at each byte alignment: the characters its bytes alone determine. */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const forms: string[] = [];
  for (let k = 0; k < 3; k += 1) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const middle = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (middle.length > 0) forms.push(middle, middle.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * Every credential and token value this process has seen. Logs, events, errors and responses are written
 * from typed fields that never hold a secret; this scrubs them anyway, so a mistake in one message, or a
 * vendor's error text that echoes a request, cannot leak what the registry knows: whole secrets of any
 * length, and any run of SECRET_RUN or more characters of any form of one.
 */
export class Redactor {
  private readonly values = new Set<string>();
  /** SECRET_RUN-character pieces of case-folded forms, and of case-sensitive (base64) forms. */
  private readonly foldedRuns = new Set<string>();
  private readonly exactRuns = new Set<string>();
  /** Forms shorter than SECRET_RUN, matched whole. */
  private readonly shortFolded = new Set<string>();
  private readonly shortExact = new Set<string>();

  add(value: string | undefined): void {
    if (!value || this.values.has(value)) return;
    this.values.add(value);
    const { folded, exact } = secretForms(value);
    for (const form of folded) this.index(form, this.foldedRuns, this.shortFolded);
    for (const form of exact) this.index(form, this.exactRuns, this.shortExact);
  }

  redact(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    const lower = text.toLowerCase();
    const hit = new Uint8Array(text.length);
    for (let i = 0; i + SECRET_RUN <= text.length; i += 1) {
      if (this.foldedRuns.has(lower.slice(i, i + SECRET_RUN)) || this.exactRuns.has(text.slice(i, i + SECRET_RUN))) {
        hit.fill(1, i, i + SECRET_RUN);
      }
    }
    markWhole(lower, this.shortFolded, hit);
    markWhole(text, this.shortExact, hit);
    let out = '';
    for (let i = 0; i < text.length; ) {
      if (hit[i] === 0) {
        out += text[i];
        i += 1;
        continue;
      }
      while (i < text.length && hit[i] === 1) i += 1;
      out += REDACTED;
    }
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

  private index(form: string, runs: Set<string>, short: Set<string>): void {
    if (form.length < SECRET_RUN) {
      short.add(form);
      return;
    }
    for (let i = 0; i + SECRET_RUN <= form.length; i += 1) runs.add(form.slice(i, i + SECRET_RUN));
  }
}

function markWhole(text: string, forms: Set<string>, hit: Uint8Array): void {
  for (const form of forms) {
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) hit.fill(1, at, at + form.length);
  }
}

/** The process-wide registry: warm Lambda invocations keep scrubbing what earlier ones saw. */
export const redactor = new Redactor();

/**
 * A JSON-like value as text for a debug line: every string redacted while still a string (once serialized,
 * a secret would carry one more level of escaping), and cut only after that, so a cut cannot leave half a
 * secret that no longer matches.
 */
export function redactedExcerpt(value: unknown, maxLength: number): string {
  const clean = JSON.stringify(redactor.redactDeep(value)) ?? '';
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

/** An error as a loggable, secret-free record. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: redactor.redact(error.message) };
  return { name: 'Error', message: redactor.redact(String(error)) };
}
