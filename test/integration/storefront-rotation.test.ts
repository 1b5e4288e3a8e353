import { STAGES } from '../../functions/rotation/secret-store';
import { request } from '../support/sandbox';
import { STORE, capturedOutput, useRotator } from '../support/rotator';

const rotator = useRotator();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function graphqlWorks(token: string, origin?: string) {
  const url = rotator()
    .sandbox.bigcommerce.graphqlUrlTemplate.replace('{storeHash}', STORE)
    .replace('{channelId}', '1');
  return request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(origin ? { origin } : {}) },
    json: { query: '{ site { settings { storeName } } }' },
  }).then((r) => r.status === 200);
}

function mintRequests() {
  return rotator().sandbox.bigcommerce.server.requests(
    (r) => r.method === 'POST' && r.path.includes('/storefront/api-token'),
  );
}

describe('first run', () => {
  it('mints every token, stores it as AWSCURRENT and announces it', async () => {
    const h = rotator();
    const report = await h.invoke({});
    expect(report.summary).toMatchObject({ rotated: 3, failed: 0 });
    for (const result of report.results) {
      expect(result).toMatchObject({
        outcome: 'rotated',
        reason: 'the secret holds no token written by this rotator',
        versionId: expect.any(String),
      });
    }

    const headless = await h.secret('headless');
    expect(headless).toMatchObject({
      schemaVersion: 1,
      tokenId: 'headless',
      family: 'storefront-private',
      storeHash: STORE,
      channelIds: [1],
      scopes: ['Unauthenticated', 'Customer'],
      usage: { header: 'Authorization', valuePrefix: 'Bearer ' },
    });
    // expires_at is whole seconds; mintedAt keeps the milliseconds.
    expect(Date.parse(headless!.expiresAt) - Math.floor(Date.parse(headless!.mintedAt) / 1000) * 1000).toBe(7 * DAY);
    expect(await graphqlWorks(headless!.token)).toBe(true);
    expect(await graphqlWorks((await h.secret('browser'))!.token, 'https://shop.example.com')).toBe(true);
    expect(await graphqlWorks((await h.secret('impersonation'))!.token)).toBe(true);

    const events = await h.events(h.config.eventBusName);
    expect(events.map((e) => [e.detailType, (e.detail as { tokenId: string }).tokenId]).sort()).toEqual([
      ['Token Rotated', 'browser'],
      ['Token Rotated', 'headless'],
      ['Token Rotated', 'impersonation'],
    ]);
    expect(events[0]).toMatchObject({ source: 'bigcommerce.token-rotator' });
    expect(events.find((e) => (e.detail as { tokenId: string }).tokenId === 'headless')?.detail).toMatchObject({
      storeHash: STORE,
      family: 'storefront-private',
      secretName: `bigcommerce/${STORE}/headless`,
      secretArn: expect.stringMatching(/^arn:aws:secretsmanager:/),
      versionId: report.results.find((r) => r.tokenId === 'headless')?.versionId,
      expiresAt: headless!.expiresAt,
    });
  });

  it('sent each family the request body its spec defines', () => {
    const bodies = Object.fromEntries(mintRequests().map((r) => [r.path.split('/').pop(), r.body]));
    expect(bodies['api-token-private']).toEqual({
      channel_ids: [1],
      expires_at: expect.any(Number),
      scopes: ['Unauthenticated', 'Customer'],
    });
    expect(bodies['api-token']).toEqual({
      channel_ids: [1],
      expires_at: expect.any(Number),
      allowed_cors_origins: ['https://shop.example.com'],
    });
    expect(bodies['api-token-customer-impersonation']).toEqual({ channel_ids: [1, 2], expires_at: expect.any(Number) });
    for (const r of mintRequests()) expect(r.headers['x-auth-token']).toBe(rotator().sandbox.store.accessToken);
  });

  it('leaves AWSPENDING only on the promoted version, which the next run tolerates', async () => {
    for (const token of rotator().config.tokens) {
      const byVersion = [...(await rotator().stages(token.id)).values()];
      const pending = byVersion.filter((stages) => stages.includes(STAGES.pending));
      expect(pending.every((stages) => stages.includes(STAGES.current))).toBe(true);
      expect(byVersion.some((stages) => stages.includes(STAGES.current))).toBe(true);
    }
  });
});

describe('later runs', () => {
  it('skips tokens that are not due without calling BigCommerce', async () => {
    const h = rotator();
    h.sandbox.bigcommerce.server.clearRequests();
    const before = await h.secret('headless');
    const report = await h.invoke({});
    expect(report.summary).toMatchObject({ skipped: 3, rotated: 0 });
    const headless = report.results.find((r) => r.tokenId === 'headless')!;
    expect(headless.nextDueAt).toBe(new Date(Date.parse(before!.expiresAt) - 2 * DAY).toISOString());
    expect(h.sandbox.bigcommerce.server.requests()).toHaveLength(0);
    expect(await h.secret('headless')).toEqual(before);
  });

  it('re-mints a token once the clock is inside its renewal window, and only that one', async () => {
    const h = rotator();
    const before = await h.secret('impersonation');
    // impersonation: 1d lifetime, 6h window. Move to 5 minutes inside its window.
    h.sandbox.clock.set(Date.parse(before!.expiresAt) - 6 * HOUR + 5 * 60_000);
    const report = await h.invoke({});
    const outcomes = Object.fromEntries(report.results.map((r) => [r.tokenId, r.outcome]));
    expect(outcomes).toEqual({ headless: 'skipped', browser: 'skipped', impersonation: 'rotated' });
    expect(report.results.find((r) => r.tokenId === 'impersonation')?.reason).toMatch(/inside the 6h renewal window/);
    const after = await h.secret('impersonation');
    expect(after!.token).not.toBe(before!.token);
    expect((await h.secret('impersonation', 'AWSPREVIOUS'))!.token).toBe(before!.token);
  });

  it('rotates a forced target even when it is not due', async () => {
    const h = rotator();
    const before = await h.secret('headless');
    const report = await h.invoke({ targets: ['headless'], force: true });
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ tokenId: 'headless', outcome: 'rotated', reason: 'forced' });
    expect((await h.secret('headless'))!.token).not.toBe(before!.token);
  });
});

describe('output', () => {
  it('never contains a minted token or the store credentials', () => {
    const h = rotator();
    const secrets = [
      h.sandbox.store.accessToken,
      ...h.sandbox.bigcommerce.api.storefrontTokens.issued().map((t) => t.token),
    ];
    const output = capturedOutput();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
