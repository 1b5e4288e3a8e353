import { GRAM, SecretIndex, VARIES, fold, rollHash } from './secret-index';

/** What replaces a secret value wherever it would have been written. */
export const REDACTED = '[REDACTED]';

/**
 * A run of this many characters of a secret is treated as the secret: a message that cut a credential in
 * half (a truncated echo) still leaks what it kept. Shorter secrets are matched whole. In base64, a run of this
 * many characters that the secret alone determines counts (48 bits of it).
 */
export const SECRET_RUN = 8;

/**
 * The forms of a secret that are stored. Textual, compared case-folded (an upper-cased echo): as is, and
 * JSON-escaped once and twice (a password with `"` or `\` inside a JSON body, itself quoted in another); each
 * of those URL-encoded. Bytes, compared exactly with what base64 in a text decodes to: the UTF-8 of the first
 * three, which for an ASCII secret are those forms themselves (so they cost nothing more), else stored with
 * one unit a byte. Base64 itself is not stored: the text is decoded instead (see Redactor.redact).
 */
export function secretForms(secret: string): { textual: string[]; bytes: string[] } {
  // Most tokens are their own escaped and URL-encoded forms, and ASCII: one form, found without building others.
  if (PLAIN.test(secret)) return { textual: [secret], bytes: [] };
  const escaped = JSON.stringify(secret).slice(1, -1);
  const plain = [...new Set([secret, escaped, JSON.stringify(escaped).slice(1, -1)])];
  const textual = new Map<string, string>();
  for (const form of [...plain, ...plain.flatMap(urlEncoded)]) {
    if (!textual.has(foldText(form))) textual.set(foldText(form), form);
  }
  const bytes = plain
    .map((form) => Buffer.from(form, 'utf8').toString('latin1'))
    .filter((form, i) => form !== plain[i]);
  return { textual: [...textual.values()], bytes };
}

/** Characters that JSON escaping and URL encoding leave as they are. */
const PLAIN = /^[\w.~!*'()-]*$/;

/** encodeURIComponent, or nothing for a text it refuses (a lone surrogate cannot be URL-encoded). */
function urlEncoded(form: string): string[] {
  try {
    return [encodeURIComponent(form)];
  } catch {
    return [];
  }
}

/** `text` case-folded unit by unit (see fold): the same length, so positions carry over. */
function foldText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  let folded = '';
  for (let i = 0; i < text.length; i += 1) folded += String.fromCharCode(fold(text.charCodeAt(i)));
  return folded;
}

/** Six-bit value of each base64 and base64url character (both alphabets at once); -1 for any other. */
const SEXTETS = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i += 1) table[alphabet.charCodeAt(i)] = i;
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

const sextet = (unit: number): number => (unit < 128 ? (SEXTETS[unit] as number) : -1);

/** The bit at `bit` of a run of base64 characters given as their six-bit values, first bit first. */
const bitAt = (sextets: Uint8Array, bit: number): number =>
  ((sextets[Math.floor(bit / 6)] as number) >> (5 - (bit % 6))) & 1;

/** Where the bytes of a base64 text may start, in bits from its first character: a secret starts on one of them. */
const BYTE_PHASES = [0, 2, 4, 6];

/** Texts up to this long are redacted in arrays kept from call to call; a longer one gets its own. */
const KEPT_SCRATCH = 16_384;

/** Scratch arrays for one redact() at a time, so that redacting a log line allocates none. */
class Scratch {
  readonly hit: Uint8Array;
  readonly hashes: Int32Array;
  readonly sextets: Uint8Array;
  readonly bytes: Uint8Array;
  readonly entries: Uint32Array;

  constructor(readonly size: number) {
    this.hit = new Uint8Array(size);
    this.hashes = new Int32Array(size);
    this.sextets = new Uint8Array(size);
    this.bytes = new Uint8Array(size);
    this.entries = new Uint32Array(size);
  }
}

/**
 * Every credential and token value this process has seen. Logs, events, errors and responses are written
 * from typed fields that never hold a secret; this scrubs them anyway, so a mistake in one message, or a
 * vendor's error text that echoes a request, cannot leak what the registry knows: whole secrets of any
 * length, and any run of SECRET_RUN or more characters of any form of one, base64 and base64url at any
 * byte alignment included. It keeps each form once in a SecretIndex (about 2.5 KB for a 313-character token).
 */
export class Redactor {
  private readonly index = new SecretIndex();
  /** Textual forms shorter than SECRET_RUN, case-folded: matched whole. */
  private readonly short = new Set<string>();
  private kept = new Scratch(256);
  /** The scratch arrays of the redact() in progress. */
  private scratch = this.kept;

  add(value: string | undefined): void {
    if (!value || this.index.has(value)) return;
    const { textual, bytes } = secretForms(value);
    this.index.add(value, [...textual, ...bytes]);
    for (const form of textual) if (form.length < SECRET_RUN) this.short.add(foldText(form));
  }

  /**
   * `text` with every stretch that holds a registered secret replaced by REDACTED. Three views of the text:
   * as it is, case-folded, against the textual forms; each base64-looking stretch decoded at each of the four
   * places a byte can start, against the byte forms; and the short forms, whole.
   */
  redact(text: string): string {
    const n = text.length;
    TOKEN_SHAPE.lastIndex = 0;
    const shaped = TOKEN_SHAPE.test(text);
    if (!shaped && (this.index.size === 0 || (n < SECRET_RUN && this.short.size === 0))) return text;
    if (n > this.kept.size && n <= KEPT_SCRATCH) this.kept = new Scratch(2 ** Math.ceil(Math.log2(n)));
    this.scratch = n <= this.kept.size ? this.kept : new Scratch(n);
    const hit = this.scratch.hit;
    hit.fill(0, 0, n);
    const found =
      (shaped ? markTokenShapes(text, hit) : 0) +
      this.markRuns(text, hit) +
      this.markBase64(text, hit) +
      this.markShort(text, hit);
    if (found === 0) return text;
    let out = '';
    for (let i = 0; i < n; ) {
      let end = i;
      while (end < n && hit[end] === 0) end += 1;
      out += text.slice(i, end);
      if (end === n) break;
      while (end < n && hit[end] === 1) end += 1;
      out += REDACTED;
      i = end;
    }
    return out;
  }

  /**
   * The same JSON-like value with every string scrubbed: plain objects and arrays in which nothing changed are
   * returned as they are (a run report of thousands of tokens is not copied to find nothing); any other object
   * becomes a plain copy of its own enumerable fields, as JSON would see it.
   */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i += 1) {
        const scrubbed = this.redactDeep(value[i]);
        if (scrubbed !== value[i]) {
          copy ??= value.slice();
          copy[i] = scrubbed;
        }
      }
      return (copy ?? value) as T;
    }
    if (value instanceof Date) return value;
    if (value !== null && typeof value === 'object') {
      const prototype = Object.getPrototypeOf(value);
      const plain = prototype === Object.prototype || prototype === null;
      const fields = value as Record<string, unknown>;
      const keys = Object.keys(fields);
      // Built with fromEntries: an own `__proto__` field (JSON.parse makes one) stays a field.
      let entries: [string, unknown][] | undefined = plain ? undefined : [];
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i] as string;
        const scrubbed = this.redactDeep(fields[key]);
        if (entries === undefined && scrubbed !== fields[key]) entries = keys.slice(0, i).map((k) => [k, fields[k]]);
        entries?.push([key, scrubbed]);
      }
      return (entries ? Object.fromEntries(entries) : value) as T;
    }
    return value;
  }

  get size(): number {
    return this.index.size;
  }

  /** Bytes the registry keeps for what it holds. */
  get retainedBytes(): number {
    let short = 0;
    for (const form of this.short) short += 2 * form.length;
    return this.index.retainedBytes + short;
  }

  /**
   * Marks each SECRET_RUN-character window of `text` that, case-folded, is a run of a textual form; returns
   * how many. A window is looked at only when each of its GRAM-character runs is in the index.
   */
  private markRuns(text: string, hit: Uint8Array): number {
    const hashes = this.scratch.hashes;
    let found = 0;
    let streak = 0;
    let hash = 0;
    for (let i = 0; i < text.length; i += 1) {
      const leaving = i >= GRAM ? fold(text.charCodeAt(i - GRAM)) : undefined;
      hash = rollHash(hash, fold(text.charCodeAt(i)), leaving);
      if (i < GRAM - 1) continue;
      const start = i - GRAM + 1;
      hashes[start] = hash;
      streak = this.index.find(text, start, hash, true) === 0 ? 0 : streak + 1;
      if (streak < SECRET_RUN - GRAM + 1) continue;
      const at = i + 1 - SECRET_RUN;
      if (this.index.holdsRun(text, at, SECRET_RUN, hashes)) {
        hit.fill(1, at, i + 1);
        found += 1;
      }
    }
    return found;
  }

  /** Marks the base64 in `text` that holds SECRET_RUN characters of a byte form; returns how many stretches. */
  private markBase64(text: string, hit: Uint8Array): number {
    let found = 0;
    for (let start = 0; start < text.length; ) {
      if (sextet(text.charCodeAt(start)) < 0) {
        start += 1;
        continue;
      }
      let end = start + 1;
      while (end < text.length && sextet(text.charCodeAt(end)) >= 0) end += 1;
      if (end - start >= SECRET_RUN) found += this.markBase64Stretch(text, start, end, hit);
      start = end;
    }
    return found;
  }

  /**
   * One stretch of base64 characters, decoded at each byte phase: runs of consecutive GRAM-byte windows that
   * are runs of a byte form, widened by the bits of the characters at each end that match the form's
   * neighbouring byte, count when they cover SECRET_RUN characters the secret alone determines.
   */
  private markBase64Stretch(text: string, start: number, end: number, hit: Uint8Array): number {
    const { sextets, bytes, entries } = this.scratch;
    const length = end - start;
    for (let i = 0; i < length; i += 1) sextets[i] = sextet(text.charCodeAt(start + i));
    let found = 0;
    for (const phase of BYTE_PHASES) {
      const count = Math.floor((6 * length - phase) / 8);
      if (count < GRAM) continue;
      for (let j = 0; j < count; j += 1) {
        const bit = phase + 8 * j;
        const c = Math.floor(bit / 6);
        bytes[j] = ((((sextets[c] as number) << 6) | (sextets[c + 1] as number)) >> (4 - (bit - 6 * c))) & 0xff;
      }
      let hash = 0;
      for (let j = 0; j < count; j += 1) {
        hash = rollHash(hash, fold(bytes[j] as number), j >= GRAM ? fold(bytes[j - GRAM] as number) : undefined);
        if (j >= GRAM - 1) entries[j - GRAM + 1] = this.index.find(bytes, j - GRAM + 1, hash, false);
      }
      for (let first = 0; first + GRAM <= count; ) {
        if (entries[first] === 0) {
          first += 1;
          continue;
        }
        let last = first;
        while (last + 1 + GRAM <= count && entries[last + 1] !== 0) last += 1;
        const from = phase + 8 * first;
        const to = phase + 8 * (last + GRAM);
        const lead = this.edgeBits(sextets, from, -1, entries[first] as number);
        const trail = this.edgeBits(sextets, to, 6 * length, entries[last] as number);
        const firstChar = Math.ceil((from - lead) / 6);
        const endChar = Math.floor((to + trail) / 6);
        if (endChar - firstChar >= SECRET_RUN) {
          hit.fill(1, start + Math.floor((from - lead) / 6), start + Math.ceil((to + trail) / 6));
          found += 1;
        }
        first = last + 1;
      }
    }
    return found;
  }

  /**
   * How many bits next to a matched run of whole bytes (before `boundary` when `limit` is -1, else after it, up
   * to `limit`) also match the byte the form has there: the unit before the first window's run, or after the
   * last window's. When the run occurs in several places with different bytes there, only the first is
   * stored, so the bits are given the benefit of the doubt: a miss would leak.
   */
  private edgeBits(sextets: Uint8Array, boundary: number, limit: number, entry: number): number {
    const backwards = limit === -1;
    const neighbour = this.index.neighbour(entry, backwards);
    if (neighbour === -1 || neighbour > 0xff) return 0;
    let matched = 0;
    for (let t = 0; t < 7; t += 1) {
      const bit = backwards ? boundary - 1 - t : boundary + t;
      if (backwards ? bit < 0 : bit >= limit) break;
      const expected = backwards ? (neighbour >> t) & 1 : (neighbour >> (7 - t)) & 1;
      if (neighbour !== VARIES && bitAt(sextets, bit) !== expected) break;
      matched = t + 1;
    }
    return matched;
  }

  /** Marks each whole short form in `text`, case-folded; returns how many. */
  private markShort(text: string, hit: Uint8Array): number {
    if (this.short.size === 0) return 0;
    const folded = foldText(text);
    let found = 0;
    for (const form of this.short) {
      for (let at = folded.indexOf(form); at !== -1; at = folded.indexOf(form, at + 1)) {
        hit.fill(1, at, at + form.length);
        found += 1;
      }
    }
    return found;
  }
}

/**
 * A JSON Web Token, whole or cut anywhere after the start of its header: `eyJ` is base64url for `{"`, how the
 * header of every token family this product rotates begins (an `IAT ` token's JWT included). Matched
 * case-insensitively, for an upper-cased echo. This catches what no registry can: a token the process never saw
 * (one a merchant made in the control panel, quoted back in a vendor's error body); the registry still catches
 * the pieces this cannot, such as a signature cut off from its header.
 */
const TOKEN_SHAPE = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)*/gi;

/** Marks every token-shaped stretch of `text` (TOKEN_SHAPE); how many it found. */
function markTokenShapes(text: string, hit: Uint8Array): number {
  let found = 0;
  // matchAll starts where the last test() of this global expression stopped.
  TOKEN_SHAPE.lastIndex = 0;
  for (const match of text.matchAll(TOKEN_SHAPE)) {
    hit.fill(1, match.index, match.index + match[0].length);
    found += 1;
  }
  return found;
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
