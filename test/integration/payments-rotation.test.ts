import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { InvalidEventError } from '../../functions/rotator/event';
import { decodeJwt } from '../support/sandbox';
import { STORE, capturedOutput, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

const rotator = useRotator({
  stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
  tokens: [
    { id: 'instruments', store: STORE, family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
    {
      id: 'headless',
      store: STORE,
      ...PRIVATE_TOKEN,
    },
  ],
});
const MINUTE = 60_000;
const instruments = () => rotator().sandbox.bigcommerce.api.storedInstrumentTokens;

function payments(event: unknown = {}) {
  return rotator().invoke(event, 'payments');
}

afterEach(() => instruments().configure({ lifetimeSeconds: 3600, includeExpiresAt: true, includeJwtExpiry: true }));

describe('stored-instruments access tokens', () => {
  it('mints one, stores it exactly as returned with its expiry and how to send it, and announces it', async () => {
    const h = rotator();
    const report = await payments();
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({
      tokenId: 'instruments',
      family: 'stored-instruments',
      outcome: 'rotated',
    });
    const secret = (await h.secret('instruments'))!;
    const issued = instruments().issued().at(-1)!;
    expect(secret.token).toBe(issued.accessToken);
    expect(secret.token).toMatch(/^IAT /);
    expect(secret).toMatchObject({
      family: 'stored-instruments',
      storeHash: STORE,
      usage: { header: 'Authorization', valuePrefix: '' },
      expiresAt: issued.expiresAt.toISOString(),
    });
    // mintedAt has milliseconds; BigCommerce's expires_at is whole seconds.
    expect(Date.parse(secret.expiresAt) - Math.floor(Date.parse(secret.mintedAt) / 1000) * 1000).toBe(60 * MINUTE);
    const mint = h.sandbox.bigcommerce.server
      .requests((r) => r.path.endsWith('/stored-instruments/access-tokens'))
      .at(-1)!;
    expect(mint.body).toBe('');
    expect(mint.headers['x-auth-token']).toBe(h.sandbox.store.accessToken);
    expect(
      (await h.events()).some(
        (e) => e.detailType === 'Token Rotated' && (e.detail as { tokenId: string }).tokenId === 'instruments',
      ),
    ).toBe(true);
  });

  it('skips while the token is outside its window and re-mints inside it', async () => {
    const h = rotator();
    expect((await payments()).results[0]?.outcome).toBe('skipped');
    const before = (await h.secret('instruments'))!;
    h.sandbox.clock.set(Date.parse(before.expiresAt) - 30 * MINUTE + 1000);
    const report = await payments();
    expect(report.results[0]).toMatchObject({
      outcome: 'rotated',
      reason: expect.stringMatching(/inside the 30m renewal window/),
    });
    expect((await h.secret('instruments'))!.token).not.toBe(before.token);
  });

  it('takes the expiry from the JWT when the response has no expires_at', async () => {
    const h = rotator();
    instruments().configure({ includeExpiresAt: false });
    const report = await payments({ force: true });
    expect(report.results[0]?.outcome).toBe('rotated');
    const secret = (await h.secret('instruments'))!;
    expect(Date.parse(secret.expiresAt) / 1000).toBe(decodeJwt(secret.token.slice(4)).exp);
  });

  it('fails loudly, storing nothing, when neither the response nor the JWT gives an expiry', async () => {
    const h = rotator();
    const before = await h.secret('instruments');
    instruments().configure({ includeExpiresAt: false, includeJwtExpiry: false });
    const report = await payments({ force: true });
    expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint' });
    expect(report.results[0]?.reason).toMatch(/no expires_at and the JWT has no exp/);
    expect(await h.secret('instruments')).toEqual(before);
    expect(pendingOutsideCurrent((await h.stages('instruments')).values())).toBe(false);
  });

  it('refuses tokens that live shorter than the renewal window, keeping the old one', async () => {
    const h = rotator();
    const before = await h.secret('instruments');
    instruments().configure({ lifetimeSeconds: 20 * 60 });
    const report = await payments({ force: true });
    expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint' });
    expect(report.results[0]?.reason).toMatch(/lives 20m, not longer than renewBefore \(30m\)/);
    expect(await h.secret('instruments')).toEqual(before);
  });

  it('answers a missing Create Payments scope with a failed rotation that says so', async () => {
    const h = rotator();
    const name = h.config.stores[0]!.credentialsSecret!;
    await h.aws.putCurrent(name, JSON.stringify({ accessToken: h.sandbox.store.limitedAccessToken }));
    try {
      const report = await h.newInstance('payments')({ force: true });
      expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint' });
      expect(report.results[0]?.reason).toMatch(/403.*store_payments_access_token_create/);
    } finally {
      await h.aws.putCurrent(name, JSON.stringify({ accessToken: h.sandbox.store.accessToken }));
    }
  });

  it('supports dry runs and refuses targets of the other function', async () => {
    const dry = await payments({ dryRun: true, force: true });
    expect(dry.results[0]?.outcome).toBe('planned');
    await expect(payments({ targets: ['headless'] })).rejects.toThrow(InvalidEventError);
    await expect(rotator().invoke({ targets: ['instruments'] })).rejects.toThrow(/rotated by the payments function/);
  });

  it('never writes an access token to the output', () => {
    const output = capturedOutput();
    for (const t of instruments().issued()) expect(output).not.toContain(t.accessToken.slice(4));
  });
});
