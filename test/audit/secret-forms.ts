/**
 * The secret audit's matcher, kept apart from the product's own redactor on purpose: an audit that shared the
 * product's idea of what a secret looks like would share its blind spots.
 *
 * A secret counts as leaked when a text holds the secret whole, however short, or any run of GRAM or more of
 * its consecutive characters (a secret cut off by truncation), in any of the forms a client might have turned
 * it into on the way: as is, JSON-escaped, URL-encoded, base64 (standard and url-safe, at any byte alignment
 * inside a longer encoded text), and each of those case-folded. For a JWT, the secret is its signature (see
 * secretMaterial).
 */

/** Shortest run of a secret that counts as a leak: shorter runs occur by chance in megabytes of text. */
export const GRAM = 8;

export interface SecretForm {
  /** How the secret was transformed, e.g. `json-escaped` or `JWT signature, base64url@1`. */
  form: string;
  text: string;
}

export interface Leak {
  /** Index into the texts scanned. */
  text: number;
  /** Index into the secrets scanned. */
  secret: number;
  /**
   * The form that matched (the best when several did); `, case-folded` when only the lower-cased comparison
   * matched.
   */
  form: string;
  /** Whether the secret was found whole in that form, rather than only a run of it. */
  whole: boolean;
}

export interface ScanResult {
  leaks: Leak[];
  /** Distinct (secret, form) pairs searched, case-folded comparisons not counted separately. */
  forms: number;
}

/**
 * The characters of base64(k filler bytes + secret) whose six bits all come from the secret: what any base64
 * text holding the secret at a byte offset congruent to k (mod 3) must contain, whatever surrounds it.
 */
export function base64Determined(secret: string, k: 0 | 1 | 2, urlSafe = false): string {
  const bytes = Buffer.concat([Buffer.alloc(k), Buffer.from(secret, 'utf8')]);
  const encoded = bytes.toString(urlSafe ? 'base64url' : 'base64');
  const first = Math.ceil((8 * k) / 6);
  const end = Math.floor((8 * bytes.length) / 6);
  return encoded.slice(first, end);
}

/**
 * What of a secret must not appear. For a JWT (`IAT <jwt>` included) that is its signature: the header and
 * payload are base64url of claims anyone holding the token can read, and base64 of other JSON (a request body
 * naming the same store) reproduces runs of them by chance. Every other secret is secret throughout.
 */
export function secretMaterial(secret: string): { part: 'whole' | 'JWT signature'; text: string } {
  const jwt = /^(?:\S+ )?([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]{16,})$/.exec(secret);
  if (jwt) {
    try {
      const header: unknown = JSON.parse(Buffer.from(jwt[1] as string, 'base64url').toString('utf8'));
      if (header !== null && typeof header === 'object' && typeof (header as { alg?: unknown }).alg === 'string')
        return { part: 'JWT signature', text: jwt[2] as string };
    } catch {
      // Not a JWT after all: the whole value is the secret.
    }
  }
  return { part: 'whole', text: secret };
}

/**
 * Every form of a secret the audit looks for, without duplicates (an alphanumeric secret is its own escaped
 * and URL-encoded form): as is, JSON-escaped once and twice (the audit's texts are often JSON holding JSON, a
 * report quoting an error body), URL-encoded, and base64 and base64url at each byte alignment; URL and base64
 * encodings also of the JSON-escaped secret, as when a JSON request body is echoed encoded. Base64 forms of
 * fewer than GRAM characters (secrets under 7 bytes at some alignments) are left out: that few base64
 * characters turn up by chance.
 */
export function secretForms(secret: string): SecretForm[] {
  const { part, text: material } = secretMaterial(secret);
  const prefix = part === 'whole' ? '' : `${part}, `;
  const escaped = JSON.stringify(material).slice(1, -1);
  const candidates: SecretForm[] = [
    { form: 'as is', text: material },
    { form: 'json-escaped', text: escaped },
    { form: 'json-escaped twice', text: JSON.stringify(escaped).slice(1, -1) },
    { form: 'url-encoded', text: encodeURIComponent(material) },
    { form: 'json-escaped, url-encoded', text: encodeURIComponent(escaped) },
  ];
  for (const [name, source] of [
    ['', material],
    ['json-escaped, ', escaped],
  ] as const) {
    for (const urlSafe of [false, true]) {
      for (const k of [0, 1, 2] as const) {
        const text = base64Determined(source, k, urlSafe);
        if (text.length >= GRAM) candidates.push({ form: `${name}${urlSafe ? 'base64url' : 'base64'}@${k}`, text });
      }
    }
  }
  const seen = new Set<string>();
  return candidates
    .filter(({ text }) => text.length > 0 && !seen.has(text) && seen.add(text))
    .map(({ form, text }) => ({ form: `${prefix}${form}`, text }));
}

/**
 * Lower-cased runs of only hex digits and dashes are left out of the case-folded comparison: folding maps a
 * quarter of base64's alphabet onto hex, and logs and templates are full of hex identifiers (request ids,
 * trace ids, asset hashes) that would match such runs by chance. The exact comparison still checks them.
 */
const HEX_RUN = /^[0-9a-f-]+$/;

/**
 * Held in a module binding: under jest every global (`Math` included) is a lookup on a sandboxed global object,
 * slow enough in the loops below to make the audit a hundred times slower.
 */
const imul = Math.imul;
/** Multiplier of the rolling hash of a run (odd, so no character's weight vanishes mod 2^32). */
const BASE = 0x01000193;
const BASE_TO_GRAM = Array.from({ length: GRAM }).reduce<number>((p) => imul(p, BASE), 1);

/**
 * The hash of every GRAM-character run of `text`, by where the run starts: a rolling hash, so no run is cut out
 * of the text as a string of its own until its hash says it may matter.
 */
function eachRun(text: string, visit: (start: number, hash: number) => void): void {
  let hash = 0;
  for (let i = 0; i < text.length; i += 1) {
    hash = roll(hash, text, i);
    if (i >= GRAM - 1) visit(i - GRAM + 1, hash);
  }
}

/** The hash of the run ending at `i`, from the hash of the run ending at `i - 1`. */
function roll(hash: number, text: string, i: number): number {
  const next = (imul(hash, BASE) + text.charCodeAt(i)) | 0;
  return i >= GRAM ? (next - imul(text.charCodeAt(i - GRAM), BASE_TO_GRAM)) | 0 : next;
}

/**
 * A set of run hashes as a bitmap: it answers "certainly absent" or "perhaps present"; the run's text settles
 * the second case. About 32 bits per run it will hold (at most 2^27, 16 MB), so "perhaps" is rarely wrong.
 */
class RunFilter {
  private readonly shift: number;
  private readonly words: Uint32Array;

  constructor(runs: number) {
    const bits = Math.min(27, Math.max(16, Math.ceil(Math.log2(Math.max(1, runs) * 32))));
    this.shift = 32 - bits;
    this.words = new Uint32Array(1 << (bits - 5));
  }

  add(hash: number): void {
    const bit = imul(hash, 0x9e3779b1) >>> this.shift;
    this.words[bit >>> 5] = ((this.words[bit >>> 5] as number) | (1 << (bit & 31))) >>> 0;
  }

  has(hash: number): boolean {
    const bit = imul(hash, 0x9e3779b1) >>> this.shift;
    return ((this.words[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }
}

interface Hit {
  secret: number;
  /** Position of the form in secretForms(secret). */
  form: number;
}

/** Runs of secret forms that may be in some text, with every (secret, form) that has them. */
class Candidates {
  readonly filter: RunFilter;
  readonly runs = new Map<string, { hits: Hit[]; shared: boolean }>();

  constructor(
    private readonly secrets: readonly string[],
    capacity: number,
  ) {
    this.filter = new RunFilter(capacity);
  }

  add(run: string, hash: number, hit: Hit): void {
    const known = this.runs.get(run);
    if (!known) {
      this.runs.set(run, { hits: [hit], shared: false });
      this.filter.add(hash);
    } else if (!known.shared) {
      if (unrelated(this.secrets[(known.hits[0] as Hit).secret] as string, this.secrets[hit.secret] as string))
        known.shared = true;
      else known.hits.push(hit);
    }
  }
}

/**
 * Finds every text that leaks a secret, without comparing each secret with each text:
 *
 * 1. every GRAM-character run of every text goes into an index of runs (a bitmap set of their hashes, one for
 *    the texts as written and one lower-cased);
 * 2. every run of every form of every secret is looked up there; those that may be present become candidates,
 *    kept by their text in a Map with the secrets that have them;
 * 3. a second pass over the texts finds which candidate runs each text really holds.
 *
 * Each step is linear in the size of the texts or of the secrets, so thousands of secrets against megabytes of
 * text take seconds. Forms too short for a run are searched for whole.
 *
 * A run that two unrelated secrets share (a prefix common to values of one format) is format, not secret
 * material: it says nothing about which secret, if any, a text holds, so it does not count. Every secret still
 * has runs of its own, and those do.
 *
 * One leak is reported per text and secret: the form found whole if any, else the first form (in the order of
 * secretForms, exact before case-folded) of which a run was found.
 */
export function scanForLeaks(secrets: readonly string[], texts: readonly string[]): ScanResult {
  const folded = texts.map((t) => t.toLowerCase());
  const size = texts.reduce((n, t) => n + t.length, 0);
  const exactIndex = new RunFilter(size);
  const foldedIndex = new RunFilter(size);
  for (const text of texts) eachRun(text, (_, hash) => exactIndex.add(hash));
  for (const text of folded) eachRun(text, (_, hash) => foldedIndex.add(hash));

  const formsOf = secrets.map(secretForms);
  const formAt = (secret: number, form: number) => (formsOf[secret] as SecretForm[])[form] as SecretForm;
  const leaks = new Map<string, Leak & { rank: number }>();
  const record = (text: number, secret: number, form: number, isFolded: boolean, whole: boolean) => {
    const rank = (whole ? 0 : 1000) + (isFolded ? 100 : 0) + form;
    const key = `${text}\u0000${secret}`;
    const known = leaks.get(key);
    if (known && known.rank <= rank) return;
    const name = formAt(secret, form).form;
    leaks.set(key, { text, secret, form: isFolded ? `${name}, case-folded` : name, whole, rank });
  };

  const materials = secrets.map((secret) => secretMaterial(secret).text);
  const exact = new Candidates(materials, size);
  const lowered = new Candidates(materials, size);
  let forms = 0;
  formsOf.forEach((secretForms, s) => {
    secretForms.forEach(({ text }, f) => {
      forms += 1;
      const lower = text.toLowerCase();
      if (text.length < GRAM) {
        // Too short for runs: only the whole form counts.
        texts.forEach((t, i) => {
          if (t.includes(text)) record(i, s, f, false, true);
          else if ((folded[i] as string).includes(lower)) record(i, s, f, true, true);
        });
        return;
      }
      const hit = { secret: s, form: f };
      if (lower.length === text.length) {
        // One pass for both: a run can only be in the texts as written if it is there lower-cased.
        let exactHash = 0;
        let foldedHash = 0;
        for (let i = 0; i < text.length; i += 1) {
          exactHash = roll(exactHash, text, i);
          foldedHash = roll(foldedHash, lower, i);
          if (i < GRAM - 1 || !foldedIndex.has(foldedHash)) continue;
          const start = i - GRAM + 1;
          const run = lower.slice(start, i + 1);
          if (!HEX_RUN.test(run)) lowered.add(run, foldedHash, hit);
          if (exactIndex.has(exactHash)) exact.add(text.slice(start, i + 1), exactHash, hit);
        }
      } else {
        // Lower-casing changed the length (a few non-ASCII letters): runs of each are looked up on their own.
        eachRun(text, (start, hash) => {
          if (exactIndex.has(hash)) exact.add(text.slice(start, start + GRAM), hash, hit);
        });
        eachRun(lower, (start, hash) => {
          if (!foldedIndex.has(hash)) return;
          const run = lower.slice(start, start + GRAM);
          if (!HEX_RUN.test(run)) lowered.add(run, hash, hit);
        });
      }
    });
  });

  texts.forEach((text, t) => {
    const lower = folded[t] as string;
    const found = new Set<string>();
    const visit = (candidates: Candidates, within: string, isFolded: boolean) => (start: number, hash: number) => {
      if (!candidates.filter.has(hash)) return;
      const candidate = candidates.runs.get(within.slice(start, start + GRAM));
      if (!candidate || candidate.shared) return;
      for (const { secret, form } of candidate.hits) {
        const key = `${secret}\u0000${form}\u0000${isFolded}`;
        if (found.has(key)) continue;
        found.add(key);
        const formText = formAt(secret, form).text;
        record(t, secret, form, isFolded, within.includes(isFolded ? formText.toLowerCase() : formText));
      }
    };
    if (exact.runs.size > 0) eachRun(text, visit(exact, text, false));
    if (lowered.runs.size > 0) eachRun(lower, visit(lowered, lower, true));
  });
  const found = [...leaks.values()].sort((x, y) => x.text - y.text || x.secret - y.secret);
  return { leaks: found.map(({ rank: _, ...leak }) => leak), forms };
}

/**
 * Whether two secrets (their material) are different secrets: one that contains the other is the same secret
 * written two ways.
 */
function unrelated(a: string, b: string): boolean {
  return a !== b && !a.includes(b) && !b.includes(a);
}

/** What a report may say about a secret: its length and at most its first two characters, never more. */
export function describeSecret(secret: string): string {
  return `${secret.length}-character secret starting ${JSON.stringify(secret.slice(0, 2))}`;
}
