import { parseStoredToken, serializeStoredToken, type StoredToken } from '../../functions/rotation/stored-token';

const target = { id: 'headless', family: 'storefront-private' as const, storeHash: 'abc' };
const stored: StoredToken = {
  schemaVersion: 1,
  token: 'eyJhbGciOi.payload.sig',
  tokenId: 'headless',
  family: 'storefront-private',
  storeHash: 'abc',
  mintedAt: '2026-11-21T12:00:00.000Z',
  expiresAt: '2026-11-28T12:00:00.000Z',
  usage: { header: 'Authorization', valuePrefix: 'Bearer ' },
  details: { channelIds: [1], scopes: ['Customer'] },
};

describe('the secret value format', () => {
  it('writes common fields first and family details beside them', () => {
    const json = JSON.parse(serializeStoredToken(stored));
    expect(Object.keys(json)).toEqual([
      'schemaVersion',
      'token',
      'tokenId',
      'family',
      'storeHash',
      'mintedAt',
      'expiresAt',
      'usage',
      'channelIds',
      'scopes',
    ]);
  });

  it('round-trips', () => {
    expect(parseStoredToken(serializeStoredToken(stored), target)).toEqual(stored);
  });

  it('does not claim values it did not write for this token', () => {
    expect(parseStoredToken(undefined, target)).toBeUndefined();
    expect(parseStoredToken('plain-token-pasted-by-hand', target)).toBeUndefined();
    expect(parseStoredToken(JSON.stringify({ token: 'x' }), target)).toBeUndefined();
    expect(parseStoredToken(serializeStoredToken(stored), { ...target, id: 'other' })).toBeUndefined();
    expect(parseStoredToken(serializeStoredToken(stored), { ...target, storeHash: 'zzz' })).toBeUndefined();
    expect(parseStoredToken(serializeStoredToken({ ...stored, expiresAt: 'tomorrow' }), target)).toBeUndefined();
  });
});
