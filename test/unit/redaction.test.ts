import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { REDACTED, Redactor, redactedExcerpt, redactor } from '../../functions/observability/redaction';
import { JwtSigner } from '../../sandbox/jwt';
import { scanForLeaks, secretForms as auditForms } from '../audit/secret-forms';

describe('Redactor', () => {
  it('scrubs every known value from text and nested data', () => {
    const r = new Redactor();
    r.add('secret-token-value-123');
    r.add('another-credential');
    expect(r.redact('a secret-token-value-123 b secret-token-value-123')).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(
      r.redactDeep({
        list: ['another-credential'],
        nested: { x: 'pre-secret-token-value-123-post' },
        n: 5,
        at: new Date(0),
      }),
    ).toEqual({ list: [REDACTED], nested: { x: `pre-${REDACTED}-post` }, n: 5, at: new Date(0) });
  });

  it('scrubs a token it never saw by its shape: whole, IAT-prefixed, upper-cased, cut, escaped; nothing else', () => {
    const r = new Redactor();
    const unseen = new JwtSigner().sign({ sub: 'made in the control panel', iat: 1_700_000_000 });
    const forms = [
      unseen,
      `IAT ${unseen}`,
      unseen.toUpperCase(),
      unseen.slice(0, 24),
      unseen.slice(0, unseen.lastIndexOf('.') + 5),
      JSON.stringify(JSON.stringify({ token: unseen })),
    ];
    for (const form of forms) {
      const scrubbed = r.redact(`invalid token: ${form} (request 42)`);
      expect(scrubbed).toContain(REDACTED);
      expect(scanForLeaks([unseen], [scrubbed]).leaks).toEqual([]);
      expect(scrubbed).toMatch(/^invalid token: .*\(request 42\)$/);
    }
    const harmless = 'tokenId browser-storefront rotated; next due 2026-12-08T10:00:00.000Z (eyJ alone, heyJude)';
    expect(r.redact(harmless)).toBe(harmless);
  });

  it('copies only what it scrubs: the original is untouched, and data with nothing to scrub is not copied', () => {
    const r = new Redactor();
    r.add('secret-token-value-123');
    const clean = { results: [{ tokenId: 'a', expiresAt: '2026-01-01T00:00:00.000Z' }], summary: { rotated: 1 } };
    expect(r.redactDeep(clean)).toBe(clean);
    const dirty = { results: [{ tokenId: 'a' }, { reason: 'echo secret-token-value-123' }], summary: clean.summary };
    const scrubbed = r.redactDeep(dirty);
    expect(scrubbed).toEqual({ results: [{ tokenId: 'a' }, { reason: `echo ${REDACTED}` }], summary: { rotated: 1 } });
    expect(dirty.results[1]?.reason).toBe('echo secret-token-value-123');
    expect(scrubbed.summary).toBe(clean.summary);
  });

  it('scrubs an own __proto__ field of parsed JSON, and turns class instances into their fields', () => {
    const r = new Redactor();
    r.add('secret-token-value-123');
    const parsed = JSON.parse('{"__proto__":"secret-token-value-123","ok":1}') as Record<string, unknown>;
    expect(JSON.stringify(r.redactDeep(parsed))).toBe(`{"__proto__":"${REDACTED}","ok":1}`);
    const error = Object.assign(new Error('secret-token-value-123'), { code: 'E' });
    expect(r.redactDeep(error)).toEqual({ code: 'E' });
  });

  it('redacts short secrets whole, whatever their length', () => {
    const r = new Redactor();
    r.add('Zq7#k2P');
    r.add(undefined);
    expect(r.size).toBe(1);
    expect(r.redact('password Zq7#k2P was refused')).toBe(`password ${REDACTED} was refused`);
    expect(r.redact('nothing here')).toBe('nothing here');
  });

  const password = 'pa"ss\\word-with-Quote';
  const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0c3RvcmUxIn0.c2lnbmF0dXJlLXZhbHVl';
  const echoes: [string, (s: string) => string][] = [
    ['verbatim', (s) => `{"password":"${s}"}`],
    ['JSON-escaped', (s) => JSON.stringify({ echo: JSON.stringify({ password: s }) })],
    ['URL-encoded', (s) => `password=${encodeURIComponent(s)}&x=1`],
    ['upper-cased', (s) => `ECHO ${s.toUpperCase()} END`],
    ['base64 at any offset', (s) => Buffer.from(`{"request":{"password":"${s}"}}`).toString('base64')],
    ['base64url', (s) => Buffer.from(`x${s}yz`).toString('base64url')],
    ['cut in half', (s) => `title: ...${s.slice(0, Math.ceil(s.length / 2))}`],
  ];
  for (const secret of [password, token]) {
    for (const [form, echo] of echoes) {
      it(`finds a ${secret.length}-character secret echoed ${form}`, () => {
        const r = new Redactor();
        r.add(secret);
        const text = echo(secret);
        const out = r.redact(text);
        expect(out).toContain(REDACTED);
        // Nothing of 8 or more characters of the secret, in any case, survives.
        const lowered = out.toLowerCase();
        for (let i = 0; i + 8 <= secret.length; i += 1) {
          expect(lowered).not.toContain(secret.slice(i, i + 8).toLowerCase());
        }
      });
    }
  }

  it('leaves unrelated text alone', () => {
    const r = new Redactor();
    r.add(token);
    r.add(password);
    const text = 'rotation run finished at 2026-12-01T12:00:00.000Z for headless-storefront (version 6f1c2b3a)';
    expect(r.redact(text)).toBe(text);
  });

  it('redacts before it truncates, so a cut cannot leave half a secret', () => {
    redactor.add('X-Auth-Token-value-abcdefghijkl');
    const echoed = { title: `${'.'.repeat(295)}X-Auth-Token-value-abcdefghijkl and more` };
    const excerpt = redactedExcerpt(echoed, 300);
    expect(excerpt).not.toContain('X-Auth');
    expect(excerpt).toBe(`{"title":"${'.'.repeat(290)}…`);
  });
});

/**
 * The redactor against the secret audit's own matcher (test/audit/secret-forms.ts, written apart from it): for
 * secrets of every shape, each form the audit looks for, cut anywhere to SECRET_RUN or more characters (or whole,
 * when shorter), textual forms upper-cased or not, between arbitrary text, leaves nothing the audit calls a leak.
 * Base64 is compared as written: upper-cased, it no longer decodes to the secret.
 */
describe('Redactor against the secret audit', () => {
  const base64url = (bytes: number) => randomBytes(bytes).toString('base64url');
  const signer = new JwtSigner();
  const sandboxToken = (n: number) =>
    signer.sign({ iss: 'BC', sid: 1000 + n, store_hash: `store${n % 50}`, token_type: 'private', jti: randomUUID() });
  // Registered beside each secret: tokens that share their header and much of their payload, as a fleet's do.
  const shared = new Redactor();
  for (let n = 0; n < 300; n += 1) shared.add(sandboxToken(n));

  const passwordChar = fc.constantFrom(...'aZ09"\\%/+-_=.~ é ß ü 漢 😀'.split(/(?:)/u));
  const secret = fc.oneof(
    fc.integer({ min: 4, max: 300 }).map((n) => base64url(n).slice(0, n)),
    fc.array(passwordChar, { minLength: 4, maxLength: 40 }).map((chars) => chars.join('')),
    fc.nat().map(sandboxToken),
  );
  const filler = fc
    .array(fc.constantFrom(...'aQz09+/-_= "{}:,.\\%'.split('')), { maxLength: 30 })
    .map((c) => c.join(''));

  it('leaves no run of any form, cut anywhere, in any case', () => {
    fc.assert(
      fc.property(
        secret,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        filler,
        filler,
        (value, formPick, fromPick, lengthPick, upper, before, after) => {
          shared.add(value);
          const forms = auditForms(value);
          const { form, text: whole } = forms[formPick % forms.length] as { form: string; text: string };
          const length = whole.length < 8 ? whole.length : 8 + (lengthPick % (whole.length - 7));
          const from = fromPick % (whole.length - length + 1);
          const cut = whole.slice(from, from + length);
          // A text whose upper case has other letters (ß, SS) is not the secret any more.
          const cased = upper && !form.includes('base64') && cut.toUpperCase().length === cut.length;
          const text = `${before}${cased ? cut.toUpperCase() : cut}${after}`;
          const out = shared.redact(text);
          expect(scanForLeaks([value], [out]).leaks).toEqual([]);
          expect(out).toContain(REDACTED);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('finds a secret inside a longer base64 text at each byte offset, standard and URL-safe', () => {
    const r = new Redactor();
    const value = base64url(60);
    r.add(value);
    for (const prefix of ['', 'a', 'ab', 'abc', '{"password":"']) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const text = Buffer.from(`${prefix}${value}"}`).toString(encoding);
        const out = r.redact(`body=${text}`);
        expect(scanForLeaks([value], [out]).leaks).toEqual([]);
        expect(out.startsWith('body=')).toBe(true);
      }
    }
  });

  it('keeps at most 4 KB per registered value: 1,000 random 313-character tokens sharing nothing', () => {
    const r = new Redactor();
    const tokens = Array.from({ length: 1_000 }, () => base64url(235).slice(0, 313));
    for (const token of tokens) r.add(token);
    expect(r.size).toBe(1_000);
    const retained = r.retainedBytes;
    expect(retained / r.size).toBeLessThanOrEqual(4_096);
    // A warm container reads the same tokens on every sweep: registering them again keeps nothing more.
    for (const token of tokens) r.add(token);
    expect(r.size).toBe(1_000);
    expect(r.retainedBytes).toBe(retained);
  });
});
