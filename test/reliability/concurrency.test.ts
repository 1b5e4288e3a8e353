import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import type { ManagedToken, RotatorKind } from '../../functions/config/types';
import { STORE, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

const PAIRS = 10;
const families: { name: string; kind: RotatorKind; token: Record<string, unknown> }[] = [
  {
    name: 'storefront-private',
    kind: 'storefront',
    token: PRIVATE_TOKEN,
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
  },
  {
    name: 'customer-impersonation',
    kind: 'storefront',
    token: { family: 'customer-impersonation', channelIds: [1], lifetime: '1d', renewBefore: '6h' },
  },
  {
    name: 'stored-instruments',
    kind: 'payments',
    token: { family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
  },
  { name: 'b2b-backend', kind: 'b2b', token: { family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' } },
];

describe.each(families)('two invocations at once: $name', ({ kind, token: tokenConfig }) => {
  const rotator = useRotator({
    stores: [
      {
        storeHash: STORE,
        credentialsSecret: `bigcommerce/${STORE}/api-account`,
        b2bCredentialsSecret: `bigcommerce/${STORE}/b2b-user`,
      },
    ],
    tokens: [{ id: 'shared', store: STORE, ...tokenConfig }],
  });
  let token: ManagedToken;
  const rotatedEvents = async () => (await rotator().events()).filter((e) => e.detailType === 'Token Rotated').length;
  const pending = async () => pendingOutsideCurrent((await rotator().stages(token.id)).values());

  beforeAll(async () => {
    token = rotator().config.tokens[0]!;
    await rotator().invoke({}, kind);
  });

  it(`a scheduled and a manual run on a due token promote at most once (${PAIRS} pairs)`, async () => {
    const h = rotator();
    for (let pair = 0; pair < PAIRS; pair += 1) {
      const current = (await h.secret(token.id))!;
      const dueAt =
        token.family === 'b2b-backend'
          ? Date.parse(current.mintedAt) + token.rotationPeriodSeconds * 1000
          : Date.parse(current.expiresAt) - token.renewBeforeSeconds * 1000;
      h.sandbox.clock.set(dueAt + 60_000);
      const before = await rotatedEvents();
      const reports = await Promise.all([
        h.newInstance(kind)({ trigger: 'schedule' }),
        h.newInstance(kind)({ targets: ['shared'] }),
      ]);
      const outcomes = reports.map((r) => r.results[0]?.outcome);
      expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(1);
      expect((await rotatedEvents()) - before).toBe(1);
      expect(await pending()).toBe(false);
    }
  });

  it(`two forced manual runs at once promote at most once (${PAIRS} pairs)`, async () => {
    const h = rotator();
    for (let pair = 0; pair < PAIRS; pair += 1) {
      h.sandbox.clock.advance(60_000);
      const before = await rotatedEvents();
      const reports = await Promise.all([h.newInstance(kind)({ force: true }), h.newInstance(kind)({ force: true })]);
      const rotated = reports.filter((r) => r.results[0]?.outcome === 'rotated').length;
      expect(rotated).toBeLessThanOrEqual(1);
      for (const r of reports)
        if (r.results[0]?.outcome !== 'rotated') expect(r.results[0]?.reason).toMatch(/^in progress elsewhere/);
      expect((await rotatedEvents()) - before).toBe(rotated);
      expect(await pending()).toBe(false);
    }
  });
});
