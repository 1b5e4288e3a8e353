import { InstrumentTokenError, checkInstrumentToken } from '../../functions/families/stored-instruments';

const NOW = new Date('2026-11-21T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

function iat(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `IAT ${part({ alg: 'HS256' })}.${part(claims)}.signature`;
}

describe('checkInstrumentToken', () => {
  it('accepts an IAT JWT for this store that expires in the future, and returns its expiry', () => {
    expect(checkInstrumentToken(iat({ sub: 'store1', exp: nowSeconds + 3600 }), 'store1', NOW)).toBe(nowSeconds + 3600);
    expect(checkInstrumentToken(iat({ sub: 'store1', exp: nowSeconds + 3600 }), 'store1', NOW, nowSeconds + 3590)).toBe(
      nowSeconds + 3590,
    );
    expect(checkInstrumentToken(iat({ sub: 'store1' }), 'store1', NOW, nowSeconds + 60)).toBe(nowSeconds + 60);
  });

  it.each([
    ['a token without the IAT scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.sig', undefined, /does not start with "IAT "/],
    ['a token that is not a JWT', 'IAT not-a-jwt', undefined, /not a decodable JWT/],
    [
      'a token for another store',
      iat({ sub: 'store2', exp: nowSeconds + 60 }),
      undefined,
      /names another store, not store1/,
    ],
    ['a token without any expiry', iat({ sub: 'store1' }), undefined, /expiry is unknown/],
    ['an expired token', iat({ sub: 'store1', exp: nowSeconds - 1 }), undefined, /expired at/],
    [
      'an expires_at that contradicts the JWT',
      iat({ sub: 'store1', exp: nowSeconds + 3600 }),
      nowSeconds + 600,
      /disagree/,
    ],
  ])('refuses %s', (_case, token, expiresAt, message) => {
    expect(() => checkInstrumentToken(token, 'store1', NOW, expiresAt)).toThrow(InstrumentTokenError);
    expect(() => checkInstrumentToken(token, 'store1', NOW, expiresAt)).toThrow(message);
  });
});
