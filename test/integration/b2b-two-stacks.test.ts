import { parseConfig } from '../../functions/config/schema';
import { parseOwnership, stackOwner } from '../../functions/families/b2b-ownership';
import { serializeStoredToken } from '../../functions/rotation/stored-token';
import { localLambdaContext } from '../../sandbox/lambda-context';
import { awsProvisioning, seedStores } from '../../sandbox/provision';
import { STORE, useRotator } from '../support/rotator';

/**
 * Two deployments that manage one store's B2B token under the same token id (production and staging, or two
 * stacks in one account): each sees the other's tokens in the store's list, and must revoke only its own.
 */
const TOKEN = { id: 'erp', store: STORE, family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' };
const rotator = useRotator({
  stores: [{ storeHash: STORE, b2bCredentialsSecret: `bigcommerce/${STORE}/b2b-user` }],
  tokens: [TOKEN],
});
const STAGING = 'Staging';
const stagingConfig = {
  stores: [{ storeHash: STORE, b2bCredentialsSecret: `staging/${STORE}/b2b-user` }],
  tokens: [TOKEN],
  secretNamePrefix: 'staging',
  // Each stack has its own bus (README, Fleets).
  eventBusName: 'bigcommerce-token-rotator-staging',
};
const HOUR = 3_600_000;
const FORCE = { targets: ['erp'], force: true };

const b2bApi = () => rotator().sandbox.bigcommerce.api.b2b;
/** Every token of the store, from the B2B Edition side, by its ownership mark. */
const storeTokens = () =>
  b2bApi()
    .allTokens()
    .filter((t) => t.storeHash === STORE);

/** The staging stack's secrets (its own names, its own tags) and its function. */
async function stagingStack() {
  const h = rotator();
  const config = parseConfig(stagingConfig);
  const plan = awsProvisioning(config, seedStores(h.sandbox, config), STAGING);
  await h.aws.provision({ ...plan, secrets: plan.secrets.filter((s) => s.name.startsWith('staging/')) });
  return h.newInstance('b2b', {
    ROTATOR_STACK_NAME: STAGING,
    ROTATOR_CONFIG: JSON.stringify(stagingConfig),
    EVENT_BUS_NAME: stagingConfig.eventBusName,
  });
}

async function heldTokens(secretName: string): Promise<string[]> {
  const h = rotator();
  const held = await Promise.all(['AWSCURRENT', 'AWSPREVIOUS'].map(async (stage) => h.aws.valueAt(secretName, stage)));
  return held.flatMap((text) => (text ? [JSON.parse(text).token as string] : [])).filter(Boolean);
}

describe('two stacks managing one store under the same B2B token id', () => {
  it("each revokes its own superseded tokens and never the other's", async () => {
    const h = rotator();
    const staging = await stagingStack();
    const production = (event: unknown) => h.invoke(event, 'b2b');
    const stagingOwner = stackOwner(STAGING, localLambdaContext('b2b-rotator').invokedFunctionArn);
    expect(stagingOwner).not.toBe(h.owner);

    // Rotations interleaved, each past the grace period of the tokens before it: every cleanup finds the
    // other stack's superseded tokens in the list too, with the same token id.
    for (let round = 0; round < 4; round += 1) {
      expect((await production(FORCE)).results[0]?.outcome).toBe('rotated');
      expect((await staging(FORCE)).results[0]?.outcome).toBe('rotated');
      h.sandbox.clock.advance(2 * HOUR);
    }

    const productionHeld = await heldTokens('bigcommerce/teststore1/erp');
    const stagingHeld = await heldTokens('staging/teststore1/erp');
    expect(productionHeld).toHaveLength(2);
    expect(stagingHeld).toHaveLength(2);
    // What each stack holds is live: the other stack never revoked it.
    for (const token of [...productionHeld, ...stagingHeld]) expect(b2bApi().isLive(token)).toBe(true);
    // Each stack's earlier tokens are gone, revoked by that stack itself: only the held ones remain live.
    const liveByOwner = (owner: string) =>
      storeTokens()
        .filter((t) => parseOwnership(t.name)?.owner === owner && b2bApi().isLive(t.token))
        .map((t) => t.token)
        .sort();
    expect(liveByOwner(h.owner)).toEqual([...productionHeld].sort());
    expect(liveByOwner(stagingOwner)).toEqual([...stagingHeld].sort());
  });
});

describe('tokens minted by a version before the owner was in the mark', () => {
  it("are revoked by the stack whose secret held them, and another stack's are left alone", async () => {
    const h = rotator();
    const name = 'bigcommerce/teststore1/erp';
    const legacyName = (at: Date) => `bctr/erp/${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
    const login = h.sandbox.store.b2bAdmin.email;
    // What this stack's earlier version left: its current token, marked the old way, in its secret.
    const mintedAt = new Date(h.sandbox.clock.nowMs() - 3 * HOUR);
    const ours = b2bApi().addToken({ storeHash: STORE, email: login, name: legacyName(mintedAt) });
    await h.aws.putCurrent(
      name,
      serializeStoredToken({
        schemaVersion: 1,
        token: ours.token,
        tokenId: 'erp',
        family: 'b2b-backend',
        storeHash: STORE,
        mintedAt: mintedAt.toISOString(),
        expiresAt: null,
        usage: { header: 'authToken', valuePrefix: '' },
        details: { name: ours.name, id: ours.id },
      }),
    );
    // And another stack's earlier version, the same token id: a name of the same shape, never in this secret.
    const theirs = b2bApi().addToken({
      storeHash: STORE,
      email: login,
      name: legacyName(new Date(mintedAt.getTime() - HOUR)),
    });

    expect((await h.invoke(FORCE, 'b2b')).results[0]?.outcome).toBe('rotated');
    // Superseded but kept as AWSPREVIOUS, so consumers that cached it keep working.
    expect(b2bApi().isLive(ours.token)).toBe(true);
    h.sandbox.clock.advance(2 * HOUR);
    const report = await h.invoke(FORCE, 'b2b');
    expect(report.results[0]?.outcome).toBe('rotated');

    expect(b2bApi().isLive(ours.token)).toBe(false);
    expect(b2bApi().isLive(theirs.token)).toBe(true);
    expect(report.results[0]?.revoked).toEqual([expect.stringContaining(ours.name)]);
  });
});
