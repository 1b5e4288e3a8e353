import { REDACTED, Redactor } from '../../functions/observability/redaction';

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

  it('ignores values too short to be credentials', () => {
    const r = new Redactor();
    r.add('abc');
    r.add(undefined);
    expect(r.size).toBe(0);
    expect(r.redact('abc')).toBe('abc');
  });
});
