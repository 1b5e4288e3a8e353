/**
 * The forms of every registered secret, held compactly enough for a container that reads thousands of them:
 * one array of UTF-16 units holding each form once, and one open-addressing hash table of its GRAM-unit runs
 * that points into it. No string per run, no string per secret: a 313-character token costs about 2.5 KB (1 KB
 * when a fleet's tokens share their header and much of their claims), where a Set of its 8-character runs as
 * strings cost 25 to 90 KB.
 *
 * Every lookup is verified against the stored units, so a hash collision never counts as a match: what is
 * reported is a run that some registered form really holds.
 */

/**
 * Length of the runs the table is keyed on: the fewest whole bytes of a secret that an 8-character run of its
 * base64 holds (48 bits, of which 40 in whole bytes when the run does not start on a byte boundary).
 */
export const GRAM = 5;

/** Between forms in `units`: never part of a form, so no run or comparison crosses from one form to the next. */
const SEPARATOR = 0xffff;

/** Layout of a table entry: position + 1 (0 is an empty slot), three flags, and a few bits of the run's hash. */
const POSITION_BITS = 25;
const POSITION_MASK = (1 << POSITION_BITS) - 1;
/** The run also occurs elsewhere, with the same units: the entry names its first occurrence only. */
const SHARED = 1 << POSITION_BITS;
/** Some other occurrence has another unit (or none) before it, or after it: that neighbour is not known. */
const BEFORE_VARIES = 1 << (POSITION_BITS + 1);
const AFTER_VARIES = 1 << (POSITION_BITS + 2);
const TAG_SHIFT = POSITION_BITS + 3;
/** The tag is taken from the hash's low bits: the slot comes from its high bits. */
const TAG_MASK = (1 << (32 - TAG_SHIFT)) - 1;

/** What neighbour() answers when the occurrences of a run have different neighbours. */
export const VARIES = -2;

const MAX_LOAD = 0.75;
const GROWTH = 1.5;
const TWO_TO_32 = 2 ** 32;

const imul = Math.imul;
/** Multiplier of the rolling hash (odd, so no unit's weight vanishes mod 2^32). */
const BASE = 0x01000193;
/** BASE^(GRAM-1): the weight of a run's first unit, taken out as the run moves on. */
const BASE_TOP = Array.from({ length: GRAM - 1 }).reduce<number>((p) => imul(p, BASE), 1);

/** Folds of units beyond ASCII, filled in as they are met (0: not yet): 128 KB once any is. */
let wideFolds: Uint16Array | undefined;

/**
 * A UTF-16 unit as case-folded comparisons see it: lower case where lower-casing it gives one unit, else as is.
 * Folding unit by unit keeps every position where it was, which lower-casing a whole string does not.
 */
export function fold(unit: number): number {
  if (unit < 0x80) return unit >= 0x41 && unit <= 0x5a ? unit + 0x20 : unit;
  wideFolds ??= new Uint16Array(0x10000);
  let folded = wideFolds[unit] as number;
  if (folded === 0) {
    const lower = String.fromCharCode(unit).toLowerCase();
    folded = lower.length === 1 ? lower.charCodeAt(0) : unit;
    wideFolds[unit] = folded;
  }
  return folded;
}

/** The hash of a run ending at `unit` (folded), from the hash of the run before it; `leaving` is the unit it drops. */
export function rollHash(hash: number, unit: number, leaving: number | undefined): number {
  const kept = leaving === undefined ? hash : (hash - imul(leaving, BASE_TOP)) | 0;
  return (imul(kept, BASE) + unit) | 0;
}

/** murmur3's finalizer: spreads a rolling hash over all 32 bits before the table uses its high and low bits. */
function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Units of something to compare stored runs with: a text (its string), or decoded bytes. */
type Units = string | Uint8Array;
const unitOf = (source: Units, i: number): number =>
  typeof source === 'string' ? source.charCodeAt(i) : (source[i] as number);

export class SecretIndex {
  /** Every stored form, each followed by SEPARATOR; position 0 holds one too, so every form has one before it. */
  private units = new Uint16Array(4096);
  private length = 1;
  /** The run table: entries as described at POSITION_BITS, keyed by the folded run's hash. */
  private runs = new Uint32Array(1024);
  private runCount = 0;
  /** The registered values themselves (each the first form stored for it), by the hash of the whole value. */
  private values = new Uint32Array(64);
  private valueCount = 0;

  constructor() {
    this.units[0] = SEPARATOR;
  }

  get size(): number {
    return this.valueCount;
  }

  /** Bytes this index keeps, whatever it holds: its three arrays. */
  get retainedBytes(): number {
    return this.units.byteLength + this.runs.byteLength + this.values.byteLength;
  }

  has(value: string): boolean {
    return this.findValue(value) !== -1;
  }

  /**
   * Registers `value` with its other forms (`forms` may repeat it: a form is stored once): each form's units,
   * and each of its runs that no earlier form has.
   */
  add(value: string, forms: readonly string[]): void {
    if (this.has(value)) return;
    const at = this.append(value);
    this.addValueSlot(at);
    this.indexRuns(at, value.length);
    for (const form of new Set(forms)) {
      if (form === value) continue;
      const at = this.append(form);
      this.indexRuns(at, form.length);
    }
  }

  /** Whether some stored run equals the GRAM units of `source` at `at` (case-folded when `folded`). */
  find(source: Units, at: number, hash: number, folded: boolean): number {
    const mixed = mix(hash);
    const tag = mixed & TAG_MASK;
    const runs = this.runs;
    for (let slot = this.slotOf(mixed); ; slot = slot + 1 === runs.length ? 0 : slot + 1) {
      const entry = runs[slot] as number;
      if (entry === 0) return 0;
      if (entry >>> TAG_SHIFT === tag && this.equals(source, at, (entry & POSITION_MASK) - 1, GRAM, folded)) {
        return entry;
      }
    }
  }

  /**
   * Whether the `length` units of `text` at `at` (case-folded) are a run of some stored form. Each of its GRAM-unit
   * runs names where it first occurs; a form that holds the whole window is among those unless every one of them
   * also occurs elsewhere (SHARED). Only then, when no named occurrence holds the window, is the answer unsure,
   * and it is yes: a miss would leak, a window made of runs that several secrets share is secret-like anyway.
   */
  holdsRun(text: string, at: number, length: number, hashes: Int32Array): boolean {
    const runs = this.runs;
    let unsure = true;
    for (let j = 0; j + GRAM <= length; j += 1) {
      const mixed = mix(hashes[at + j] as number);
      const tag = mixed & TAG_MASK;
      let shared = false;
      for (let slot = this.slotOf(mixed); ; slot = slot + 1 === runs.length ? 0 : slot + 1) {
        const entry = runs[slot] as number;
        if (entry === 0) break;
        const position = (entry & POSITION_MASK) - 1;
        if (entry >>> TAG_SHIFT !== tag || !this.equals(text, at + j, position, GRAM, true)) continue;
        if (entry & SHARED) shared = true;
        if (position - j >= 1 && this.equals(text, at, position - j, length, true)) return true;
      }
      if (!shared) unsure = false;
    }
    return unsure;
  }

  /** The stored unit at `position`, or -1 outside every form. */
  unitAt(position: number): number {
    const unit = position >= 0 && position < this.length ? (this.units[position] as number) : SEPARATOR;
    return unit === SEPARATOR ? -1 : unit;
  }

  static position(entry: number): number {
    return (entry & POSITION_MASK) - 1;
  }

  /**
   * The unit every occurrence of the entry's run has just before it (`before`) or just after it: -1 when there
   * is none (the run starts or ends a form), VARIES when occurrences differ there (only the first is known).
   */
  neighbour(entry: number, before: boolean): number {
    if (entry & (before ? BEFORE_VARIES : AFTER_VARIES)) return VARIES;
    return this.unitAt(SecretIndex.position(entry) + (before ? -1 : GRAM));
  }

  private equals(source: Units, at: number, position: number, length: number, folded: boolean): boolean {
    const units = this.units;
    for (let k = 0; k < length; k += 1) {
      const stored = units[position + k] as number;
      if (stored === SEPARATOR) return false;
      const unit = unitOf(source, at + k);
      if (unit !== stored && (!folded || fold(unit) !== fold(stored))) return false;
    }
    return true;
  }

  private slotOf(mixed: number): number {
    return Math.floor((mixed * this.runs.length) / TWO_TO_32);
  }

  /** Appends a form and its separator; returns where it starts. */
  private append(form: string): number {
    const needed = this.length + form.length + 1;
    if (needed > POSITION_MASK) {
      throw new RangeError(`the redactor holds at most ${POSITION_MASK} characters of secret forms`);
    }
    if (needed > this.units.length) {
      const grown = new Uint16Array(Math.min(POSITION_MASK, Math.max(needed, Math.ceil(this.units.length * GROWTH))));
      grown.set(this.units.subarray(0, this.length));
      this.units = grown;
    }
    const at = this.length;
    for (let k = 0; k < form.length; k += 1) this.units[at + k] = form.charCodeAt(k);
    this.units[at + form.length] = SEPARATOR;
    this.length = needed;
    return at;
  }

  private indexRuns(at: number, length: number): void {
    let hash = 0;
    for (let k = 0; k < length; k += 1) {
      hash = rollHash(
        hash,
        fold(this.units[at + k] as number),
        k >= GRAM ? fold(this.units[at + k - GRAM] as number) : undefined,
      );
      if (k >= GRAM - 1) this.addRun(at + k - GRAM + 1, hash);
    }
  }

  private addRun(position: number, hash: number): void {
    if (this.runCount + 1 > this.runs.length * MAX_LOAD) this.growRuns();
    const mixed = mix(hash);
    const tag = mixed & TAG_MASK;
    const runs = this.runs;
    for (let slot = this.slotOf(mixed); ; slot = slot + 1 === runs.length ? 0 : slot + 1) {
      const entry = runs[slot] as number;
      if (entry === 0) {
        runs[slot] = ((tag << TAG_SHIFT) | (position + 1)) >>> 0;
        this.runCount += 1;
        return;
      }
      const first = SecretIndex.position(entry);
      if (entry >>> TAG_SHIFT === tag && this.sameUnits(first, position, GRAM)) {
        let flags = SHARED;
        if (this.unitAt(first - 1) !== this.unitAt(position - 1)) flags |= BEFORE_VARIES;
        if (this.unitAt(first + GRAM) !== this.unitAt(position + GRAM)) flags |= AFTER_VARIES;
        runs[slot] = (entry | flags) >>> 0;
        return;
      }
    }
  }

  private growRuns(): void {
    const old = this.runs;
    this.runs = new Uint32Array(Math.ceil(old.length * GROWTH));
    for (const entry of old) {
      if (entry === 0) continue;
      const position = SecretIndex.position(entry);
      let hash = 0;
      for (let k = 0; k < GRAM; k += 1) hash = rollHash(hash, fold(this.units[position + k] as number), undefined);
      for (let slot = this.slotOf(mix(hash)); ; slot = slot + 1 === this.runs.length ? 0 : slot + 1) {
        if (this.runs[slot] === 0) {
          this.runs[slot] = entry;
          break;
        }
      }
    }
  }

  private sameUnits(a: number, b: number, length: number): boolean {
    for (let k = 0; k < length; k += 1) if (this.units[a + k] !== this.units[b + k]) return false;
    return true;
  }

  /** Where the registered value `value` is stored, or -1. */
  private findValue(value: string): number {
    const values = this.values;
    for (let slot = valueHash(value) & (values.length - 1); ; slot = (slot + 1) & (values.length - 1)) {
      const entry = values[slot] as number;
      if (entry === 0) return -1;
      if (this.equals(value, 0, entry - 1, value.length, false) && this.units[entry - 1 + value.length] === SEPARATOR) {
        return entry - 1;
      }
    }
  }

  private addValueSlot(position: number): void {
    if ((this.valueCount + 1) * 2 > this.values.length) {
      const old = this.values;
      this.values = new Uint32Array(old.length * 2);
      for (const entry of old) if (entry !== 0) this.placeValue(entry);
    }
    this.placeValue(position + 1);
    this.valueCount += 1;
  }

  private placeValue(entry: number): void {
    const values = this.values;
    let end = entry - 1;
    while (this.units[end] !== SEPARATOR) end += 1;
    let slot = valueHash(this.units.subarray(entry - 1, end)) & (values.length - 1);
    while (values[slot] !== 0) slot = (slot + 1) & (values.length - 1);
    values[slot] = entry;
  }
}

function valueHash(value: string | Uint16Array): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < value.length; k += 1) {
    hash = imul(hash ^ (typeof value === 'string' ? value.charCodeAt(k) : (value[k] as number)), 0x01000193);
  }
  return mix(hash);
}
