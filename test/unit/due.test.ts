import { decideDue } from '../../functions/rotation/due';
import type { StoredToken } from '../../functions/rotation/stored-token';

const NOW = new Date('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;
const token = (expiresAt: string | null, mintedAt = '2026-11-20T12:00:00.000Z'): StoredToken => ({
  schemaVersion: 1,
  token: 't',
  tokenId: 'x',
  family: 'storefront-private',
  storeHash: 's',
  mintedAt,
  expiresAt,
  usage: { header: 'Authorization', valuePrefix: 'Bearer ' },
  details: {},
});
const expiring = { kind: 'expiring', renewBeforeSeconds: 6 * 3600 } as const;

describe('decideDue', () => {
  it('is due when there is no usable token, when forced, or on configuration drift', () => {
    expect(decideDue({ current: undefined, now: NOW, policy: expiring, force: false })).toMatchObject({ due: true });
    expect(decideDue({ current: token('2027-01-01T00:00:00.000Z'), now: NOW, policy: expiring, force: true })).toEqual({
      due: true,
      reason: 'forced',
    });
    expect(
      decideDue({
        current: token('2027-01-01T00:00:00.000Z'),
        now: NOW,
        policy: expiring,
        force: false,
        drift: 'scopes is now ["B2B"]',
      }),
    ).toEqual({ due: true, reason: 'the configuration changed: scopes is now ["B2B"]' });
  });

  it('treats the window edge as due: expiresAt - now <= renewBefore', () => {
    const atEdge = new Date(NOW.getTime() + 6 * HOUR).toISOString();
    expect(decideDue({ current: token(atEdge), now: NOW, policy: expiring, force: false }).due).toBe(true);
    const justOutside = new Date(NOW.getTime() + 6 * HOUR + 1).toISOString();
    const decision = decideDue({ current: token(justOutside), now: NOW, policy: expiring, force: false });
    expect(decision).toEqual({
      due: false,
      reason: expect.stringContaining('renewal due at'),
      nextDueAt: new Date(NOW.getTime() + 1),
    });
  });

  it('says when a token has already expired', () => {
    expect(decideDue({ current: token('2026-11-21T11:59:59.000Z'), now: NOW, policy: expiring, force: false })).toEqual(
      { due: true, reason: 'expired at 2026-11-21T11:59:59.000Z' },
    );
  });

  it('rotates non-expiring tokens on their period', () => {
    const period = { kind: 'period', rotationPeriodSeconds: 86_400 } as const;
    expect(
      decideDue({ current: token(null, '2026-11-20T12:00:00.000Z'), now: NOW, policy: period, force: false }).due,
    ).toBe(true);
    expect(
      decideDue({ current: token(null, '2026-11-20T12:00:01.000Z'), now: NOW, policy: period, force: false }),
    ).toMatchObject({ due: false, nextDueAt: new Date('2026-11-21T12:00:01.000Z') });
  });
});
