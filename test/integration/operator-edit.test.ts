import { STAGES } from '../../functions/rotation/secret-store';
import type { RotatorKind } from '../../functions/config/types';
import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { STORE, STORE_WITH_B2B, useRotator } from '../support/rotator';

/**
 * An operator edits a managed secret in the console right after a rotation: the edit becomes AWSCURRENT and the
 * version the rotation promoted, which still holds AWSPENDING and the claim label, becomes AWSPREVIOUS. Nothing
 * is rotating, so no run may say "in progress elsewhere"; and the edit is not a token, so the next run replaces
 * it with one that works, keeping the edit as AWSPREVIOUS.
 */
const rotator = useRotator({
  stores: [STORE_WITH_B2B],
  tokens: [
    { id: 'private', store: STORE, ...PRIVATE_TOKEN },
    { id: 'erp', store: STORE, family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
  ],
});

const EDIT = JSON.stringify({ note: 'pasted by hand', token: { value: 'not-a-token' } });

describe.each([
  ['storefront', 'private'],
  ['b2b', 'erp'],
] as [RotatorKind, string][])('an edit in the console right after a rotation (%s)', (kind, tokenId) => {
  /** The version holding `stage` and all its labels. */
  async function holderOf(stage: string): Promise<[string, string[]]> {
    const found = [...(await rotator().stages(tokenId))].find(([, labels]) => labels.includes(stage));
    if (!found) throw new Error(`no version holds ${stage}`);
    return found;
  }

  function works(token: string): boolean {
    const bigcommerce = rotator().sandbox.bigcommerce.api;
    return kind === 'b2b'
      ? bigcommerce.b2b.isLive(token)
      : bigcommerce.storefrontTokens.authorizeGraphql(token, STORE, 1, undefined).ok;
  }

  it('is not taken for a rotation in progress, and the next run heals it', async () => {
    const h = rotator();
    const first = await h.invoke({ targets: [tokenId] }, kind);
    expect(first.results[0]).toMatchObject({ outcome: 'rotated' });
    const promoted = first.results[0]?.versionId as string;

    const secretName = h.config.tokens.find((t) => t.id === tokenId)?.secretName as string;
    await h.aws.putCurrent(secretName, EDIT);
    const [edited] = await holderOf(STAGES.current);
    expect(await holderOf(STAGES.previous)).toEqual([
      promoted,
      expect.arrayContaining([STAGES.previous, STAGES.pending, STAGES.claim]),
    ]);
    h.sandbox.clock.advance(60_000);

    const plan = await h.invoke({ targets: [tokenId], dryRun: true }, kind);
    expect(plan.results[0]).toMatchObject({ outcome: 'planned', reason: expect.stringMatching(/^due: /) });

    const healing = await h.invoke({ targets: [tokenId] }, kind);
    expect(healing.results[0]?.reason).not.toMatch(/in progress elsewhere/);
    expect(healing.results[0]).toMatchObject({ outcome: 'rotated' });
    const [current] = await holderOf(STAGES.current);
    expect(current).toBe(healing.results[0]?.versionId);
    expect(works((await h.secret(tokenId))?.token)).toBe(true);
    expect((await holderOf(STAGES.previous))[0]).toBe(edited);
    expect(await h.secret(tokenId, STAGES.previous)).toEqual(JSON.parse(EDIT));

    const after = await h.invoke({ targets: [tokenId] }, kind);
    expect(after.results[0]).toMatchObject({ outcome: 'skipped', versionId: current });
  });
});
