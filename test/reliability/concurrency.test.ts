import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import type { ManagedToken, RotatorKind } from '../../functions/config/types';
import type { RunReport } from '../../functions/rotation/run';
import { STORE, STORE_WITH_B2B, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

const PAIRS = 10;
/** Each family with its token settings and the path of its mint call at BigCommerce. */
const families: { name: string; kind: RotatorKind; token: Record<string, unknown>; mint: RegExp }[] = [
  {
    name: 'storefront-private',
    kind: 'storefront',
    token: PRIVATE_TOKEN,
    mint: /\/api-token-private$/,
  },
  {
    name: 'storefront',
    kind: 'storefront',
    token: {
      family: 'storefront',
      channelId: 1,
      allowedCorsOrigins: ['https://shop.example.com'],
      lifetime: '30d',
      renewBefore: '7d',
    },
    mint: /\/api-token$/,
  },
  {
    name: 'customer-impersonation',
    kind: 'storefront',
    token: { family: 'customer-impersonation', channelIds: [1], lifetime: '1d', renewBefore: '6h' },
    mint: /\/api-token-customer-impersonation$/,
  },
  {
    name: 'stored-instruments',
    kind: 'payments',
    token: { family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
    mint: /\/access-tokens$/,
  },
  {
    name: 'b2b-backend',
    kind: 'b2b',
    token: { family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
    mint: /\/auth\/backend$/,
  },
];

describe.each(families)('two invocations at once: $name', ({ kind, token: tokenConfig, mint }) => {
  const rotator = useRotator({
    stores: [STORE_WITH_B2B],
    tokens: [{ id: 'shared', store: STORE, ...tokenConfig }],
  });
  let token: ManagedToken;
  const rotatedEvents = async () => (await rotator().events()).filter((e) => e.detailType === 'Token Rotated').length;
  const pending = async () => pendingOutsideCurrent((await rotator().stages(token.id)).values());
  /** Mint calls BigCommerce answered with a token. */
  const mints = () =>
    rotator().sandbox.bigcommerce.server.requests(
      (r) => r.method === 'POST' && mint.test(r.path) && (r.status ?? 500) < 300,
    ).length;
  /** The token of this family BigCommerce issued last. */
  const newest = (): string | undefined => {
    const api = rotator().sandbox.bigcommerce.api;
    if (kind === 'payments') return api.storedInstrumentTokens.issued().at(-1)?.accessToken;
    if (kind === 'b2b')
      return api.b2b
        .allTokens()
        .sort((a, b) => a.id - b.id)
        .at(-1)?.token;
    return api.storefrontTokens.issued().at(-1)?.token;
  };

  /**
   * Exactly one of the two runs promoted: one mint, one Token Rotated event, that mint current. The other stood
   * down because the first held the rotation: a pair where both stand down proves nothing.
   */
  async function expectOnePromotion(run: () => Promise<RunReport[]>): Promise<void> {
    const before = { events: await rotatedEvents(), mints: mints() };
    const results = (await run()).map((r) => r.results[0]);
    expect(results.filter((r) => r?.outcome === 'rotated')).toHaveLength(1);
    expect(results.filter((r) => r?.outcome !== 'rotated')).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: expect.stringMatching(/^in progress elsewhere: /) }),
    ]);
    expect((await rotatedEvents()) - before.events).toBe(1);
    expect(mints() - before.mints).toBe(1);
    expect((await rotator().secret(token.id))?.token).toBe(newest());
    expect(await pending()).toBe(false);
  }

  beforeAll(async () => {
    token = rotator().config.tokens[0]!;
    await rotator().invoke({}, kind);
  });

  it(`a scheduled and a manual run on a due token promote exactly once (${PAIRS} pairs)`, async () => {
    const h = rotator();
    for (let pair = 0; pair < PAIRS; pair += 1) {
      const current = (await h.secret(token.id))!;
      const dueAt =
        token.family === 'b2b-backend'
          ? Date.parse(current.mintedAt) + token.rotationPeriodSeconds * 1000
          : Date.parse(current.expiresAt) - token.renewBeforeSeconds * 1000;
      h.sandbox.clock.set(dueAt + 60_000);
      await expectOnePromotion(() =>
        Promise.all([h.newInstance(kind)({ trigger: 'schedule' }), h.newInstance(kind)({ targets: ['shared'] })]),
      );
    }
  });

  it(`two forced manual runs at once promote exactly once (${PAIRS} pairs)`, async () => {
    const h = rotator();
    for (let pair = 0; pair < PAIRS; pair += 1) {
      h.sandbox.clock.advance(60_000);
      await expectOnePromotion(() =>
        Promise.all([h.newInstance(kind)({ force: true }), h.newInstance(kind)({ force: true })]),
      );
    }
  });
});
