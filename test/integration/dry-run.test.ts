import type { RotatorKind } from '../../functions/config/types';
import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { STORE, STORE_WITH_B2B, useRotator } from '../support/rotator';

/**
 * A dry run reports what would happen and changes nothing: no write to Secrets Manager, no call that changes
 * anything at BigCommerce, no event. Held here where the real run's first write is unavoidable: secrets
 * created without a value, which a real run first gives the placeholder.
 */
const rotator = useRotator(
  {
    stores: [STORE_WITH_B2B],
    tokens: [
      { id: 'private', store: STORE, ...PRIVATE_TOKEN },
      { id: 'instruments', store: STORE, family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
      { id: 'erp', store: STORE, family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
    ],
  },
  { createdWithoutValue: ['private', 'instruments', 'erp'] },
);

const KINDS: [RotatorKind, string][] = [
  ['storefront', 'private'],
  ['payments', 'instruments'],
  ['b2b', 'erp'],
];
const WRITES = new Set(['PutSecretValue', 'UpdateSecretVersionStage']);

describe('a dry run on secrets created without a value', () => {
  it('writes nothing anywhere and still reports the plan', async () => {
    const h = rotator();
    const awsWrites = () => h.sandbox.aws.server.requests((r) => WRITES.has(r.operation ?? '')).length;
    const bigcommerceChanges = () => h.sandbox.bigcommerce.server.requests((r) => r.method !== 'GET').length;
    const eventsBefore = (await h.events()).length;

    for (const [kind, tokenId] of KINDS) {
      const report = await h.invoke({ dryRun: true }, kind);
      expect(report).toMatchObject({ dryRun: true, summary: { planned: 1, failed: 0 } });
      expect(report.results).toEqual([
        expect.objectContaining({
          tokenId,
          outcome: 'planned',
          reason: expect.stringMatching(/^due: .*; would mint, stage, verify and promote a new token$/),
        }),
      ]);
      expect(awsWrites()).toBe(0);
      expect((await h.stages(tokenId)).size).toBe(0);
    }
    expect(bigcommerceChanges()).toBe(0);
    expect((await h.events()).length).toBe(eventsBefore);

    // The plan holds: the real run gives the secret its placeholder first, then rotates.
    const real = await h.invoke({}, 'storefront');
    expect(real.results[0]).toMatchObject({ tokenId: 'private', outcome: 'rotated' });
    expect((await h.secret('private'))?.token).toEqual(expect.any(String));
  });
});
