import type { B2bTokenInfo } from '../../functions/bigcommerce/b2b-tokens';
import { ownershipName, parseOwnership, stackOwner, staleB2bTokens } from '../../functions/families/b2b-ownership';

const NOW = new Date('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;
const ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:b2b';
const OURS = stackOwner('Prod', ARN);
let nextId = 1;
const token = (name: string, value = `value-${nextId}`): B2bTokenInfo => ({
  id: nextId++,
  name,
  email: 'admin@example.com',
  storeHash: 's',
  token: value,
});
const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * HOUR);
const minted = (hoursAgo: number, id = 'erp-sync', owner = OURS) => ownershipName(owner, id, at(hoursAgo));
/** The mark versions before the owner wrote: `bctr/<tokenId>/<YYYYMMDDThhmmssZ>`. */
const legacy = (hoursAgo: number, id = 'erp-sync') =>
  `bctr/${id}/${at(hoursAgo).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
const rule = { owner: OURS, tokenId: 'erp-sync', now: NOW, gracePeriodSeconds: 3600 };

describe('the owner', () => {
  it('is five characters from the account, Region and stack name, the same on every call', () => {
    expect(OURS).toMatch(/^[a-z0-9]{5}$/);
    expect(stackOwner('Prod', ARN)).toBe(OURS);
    expect(
      new Set([
        OURS,
        stackOwner('Staging', ARN),
        stackOwner('Prod', ARN.replace('123456789012', '210987654321')),
        stackOwner('Prod', ARN.replace('eu-central-1', 'us-east-1')),
      ]).size,
    ).toBe(4);
  });
});

describe('the ownership mark', () => {
  it('encodes the product, the owner, the managed token id and the mint time, within 64 characters', () => {
    expect(ownershipName('k3x9q', 'erp-sync', new Date('2026-11-21T12:34:56.789Z'))).toBe(
      'bctr/k3x9q/erp-sync/261121123456',
    );
    expect(ownershipName(OURS, 'x'.repeat(40), NOW)).toHaveLength(64);
  });

  it('parses back, both as written now and as earlier versions wrote it (no owner), and refuses lookalikes', () => {
    expect(parseOwnership('bctr/k3x9q/erp-sync/261121123456')).toEqual({
      owner: 'k3x9q',
      tokenId: 'erp-sync',
      mintedAt: new Date('2026-11-21T12:34:56Z'),
    });
    expect(parseOwnership('bctr/erp-sync/20261121T123456Z')).toEqual({
      owner: undefined,
      tokenId: 'erp-sync',
      mintedAt: new Date('2026-11-21T12:34:56Z'),
    });
    for (const name of [
      'erp-sync',
      'bctr/erp-sync',
      'bctr/erp-sync/2026-11-21',
      'BCTR/erp-sync/20261121T123456Z',
      'xbctr/erp-sync/20261121T123456Z',
      'bctr/erp-sync/20261121T123456Z ',
      'bctr/k3x9q/erp-sync/261321123456',
      'bctr/k3x9/erp-sync/261121123456',
      'bctr/erp-sync/20260231T123456Z',
    ]) {
      expect(parseOwnership(name)).toBeUndefined();
    }
  });
});

describe('staleB2bTokens', () => {
  it("selects exactly this owner's marked tokens, not kept, older than the grace period", () => {
    const current = token(minted(0.5), 'current-value');
    const previous = token(minted(200), 'previous-value');
    const stale = token(minted(2));
    const young = token(minted(0.5));
    const otherManagedToken = token(minted(200, 'pim-sync'));
    const otherStack = token(minted(200, 'erp-sync', stackOwner('Staging', ARN)));
    const handMade = token('ERP connector');
    const selected = staleB2bTokens([current, previous, stale, young, otherManagedToken, otherStack, handMade], {
      ...rule,
      keep: ['current-value', 'previous-value'],
    });
    expect(selected).toEqual({ own: [stale], legacy: [] });
  });

  it('sets legacy marks of this token id apart, to be revoked only once shown to be ours', () => {
    const old = token(legacy(48));
    const young = token(legacy(0.5));
    const kept = token(legacy(300), 'previous-value');
    const other = token(legacy(48, 'pim-sync'));
    expect(staleB2bTokens([old, young, kept, other], { ...rule, keep: ['previous-value'] })).toEqual({
      own: [],
      legacy: [old],
    });
  });

  it('treats the grace edge as stale and keeps undefined keeps harmlessly', () => {
    const edge = token(minted(1));
    expect(staleB2bTokens([edge], { ...rule, keep: [undefined] })).toEqual({ own: [edge], legacy: [] });
  });
});
