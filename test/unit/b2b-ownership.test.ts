import type { B2bTokenInfo } from '../../functions/bigcommerce/b2b-tokens';
import { ownershipName, parseOwnership, staleB2bTokens } from '../../functions/families/b2b-backend';

const NOW = new Date('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;
let nextId = 1;
const token = (name: string, value = `value-${nextId}`): B2bTokenInfo => ({
  id: nextId++,
  name,
  email: 'admin@example.com',
  storeHash: 's',
  token: value,
});
const minted = (hoursAgo: number, id = 'erp-sync') => ownershipName(id, new Date(NOW.getTime() - hoursAgo * HOUR));

describe('the ownership mark', () => {
  it('encodes the product, the managed token id and the mint time, within 64 characters', () => {
    expect(ownershipName('erp-sync', new Date('2026-11-21T12:34:56.789Z'))).toBe('bctr/erp-sync/20261121T123456Z');
    expect(ownershipName('x'.repeat(40), NOW).length).toBeLessThanOrEqual(64);
  });

  it('parses back, and refuses lookalikes', () => {
    expect(parseOwnership('bctr/erp-sync/20261121T123456Z')).toEqual({
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
    ]) {
      expect(parseOwnership(name)).toBeUndefined();
    }
  });
});

describe('staleB2bTokens', () => {
  it('selects exactly our marked tokens, not kept, older than the grace period', () => {
    const current = token(minted(0.5), 'current-value');
    const previous = token(minted(200), 'previous-value');
    const stale = token(minted(2));
    const young = token(minted(0.5));
    const otherManagedToken = token(minted(200, 'pim-sync'));
    const handMade = token('ERP connector');
    const selected = staleB2bTokens([current, previous, stale, young, otherManagedToken, handMade], {
      tokenId: 'erp-sync',
      keep: ['current-value', 'previous-value'],
      now: NOW,
      gracePeriodSeconds: 3600,
    });
    expect(selected).toEqual([stale]);
  });

  it('treats the grace edge as stale and keeps undefined keeps harmlessly', () => {
    const edge = token(minted(1));
    expect(
      staleB2bTokens([edge], { tokenId: 'erp-sync', keep: [undefined], now: NOW, gracePeriodSeconds: 3600 }),
    ).toEqual([edge]);
  });
});
