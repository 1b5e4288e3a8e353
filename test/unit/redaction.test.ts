import { REDACTED, Redactor, redactedExcerpt, redactor } from '../../functions/observability/redaction';

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
