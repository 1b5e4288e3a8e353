import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { STAGES } from '../../functions/rotation/secret-store';
import { CLAIM_LEASE_MS } from '../../functions/rotation/claim';
import { STORE, storefrontConfig, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

const rotator = useRotator(
  storefrontConfig({
    tokens: [
      {
        id: 'browser',
        store: STORE,
        family: 'storefront',
        channelId: 1,
        allowedCorsOrigins: ['https://shop.example.com'],
        lifetime: '30d',
        renewBefore: '7d',
        revokeSuperseded: { gracePeriod: '1h' },
      },
      {
        id: 'headless',
        store: STORE,
        ...PRIVATE_TOKEN,
      },
    ],
  }),
);
const HOUR = 3_600_000;

function issued(token: string) {
  return rotator()
    .sandbox.bigcommerce.api.storefrontTokens.issued()
    .find((t) => t.token === token);
}

describe('revoking superseded storefront tokens', () => {
  it('waits for the grace period, revokes the previous token once, labels it and announces it', async () => {
    const h = rotator();
    await h.invoke({});
    const first = (await h.secret('browser'))!;
    await h.invoke({ targets: ['browser'], force: true });
    const second = (await h.secret('browser'))!;
    expect(issued(first.token)?.revokedAt).toBeUndefined();

    // An hour after the mint, the new token has not certainly been current for the hour: its run may have
    // promoted it as late as its claim lease allows.
    h.sandbox.clock.set(Date.parse(second.mintedAt) + HOUR + 60_000);
    const early = await h.invoke({ targets: ['browser'] });
    expect(early.results[0]?.outcome).toBe('skipped');
    expect(issued(first.token)?.revokedAt).toBeUndefined();

    h.sandbox.clock.set(Date.parse(second.mintedAt) + CLAIM_LEASE_MS + HOUR);
    const dry = await h.invoke({ targets: ['browser'], dryRun: true });
    expect(dry.results[0]).toMatchObject({
      outcome: 'planned',
      revoked: [expect.stringContaining('superseded token of version')],
    });
    expect(issued(first.token)?.revokedAt).toBeUndefined();

    const due = await h.invoke({ targets: ['browser'] });
    expect(due.results[0]).toMatchObject({ outcome: 'revoked', revoked: [expect.stringContaining('superseded')] });
    expect(issued(first.token)?.revokedAt).toBeInstanceOf(Date);
    expect(issued(second.token)?.revokedAt).toBeUndefined();
    const revokedEvent = (await h.events()).find((e) => e.detailType === 'Stale Token Revoked');
    expect(revokedEvent?.detail).toMatchObject({ tokenId: 'browser', versionId: expect.any(String) });
    expect(JSON.stringify(revokedEvent)).not.toContain(first.token);

    const labelled = [...(await h.stages('browser')).values()].find((stages) => stages.includes(STAGES.revoked));
    expect(labelled).toContain(STAGES.previous);

    h.sandbox.bigcommerce.server.clearRequests();
    const again = await h.invoke({ targets: ['browser'] });
    expect(again.results[0]?.outcome).toBe('skipped');
    expect(h.sandbox.bigcommerce.server.requests()).toHaveLength(0);
  });

  it('never revokes a previous value this product did not write', async () => {
    const h = rotator();
    const secretName = h.config.tokens[0]!.secretName;
    // An operator pasted a token by hand; the next forced rotation makes it AWSPREVIOUS.
    const handMade = h.sandbox.bigcommerce.api.storefrontTokens;
    const before = handMade.issued().length;
    await h.aws.putCurrent(secretName, JSON.stringify({ token: 'pasted-by-hand-0123456789' }));
    await h.invoke({ targets: ['browser'], force: true });
    h.sandbox.clock.advance(2 * HOUR);
    h.sandbox.bigcommerce.server.clearRequests();
    const report = await h.invoke({ targets: ['browser'] });
    expect(report.results[0]?.outcome).toBe('skipped');
    expect(h.sandbox.bigcommerce.server.requests((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(handMade.issued()).toHaveLength(before + 1);
  });

  it('revokes nothing in the run that promotes a token an earlier run staged, however old its mint', async () => {
    const h = rotator();
    await h.invoke({ targets: ['browser'], force: true });
    const before = (await h.secret('browser'))!;
    // Verification fails: the new token stays staged and the current one stays current.
    const fault = h.sandbox.bigcommerce.server.injectFault({
      match: { method: 'POST', path: '^/storefront/store-' },
      fault: { kind: 'status', status: 500 },
      times: 100,
    });
    const failed = await h.invoke({ targets: ['browser'], force: true });
    h.sandbox.bigcommerce.server.faults.clear();
    expect(fault.fired).toBeGreaterThan(0);
    expect(failed.results[0]?.outcome).toBe('failed');

    // Hours later a scheduled run verifies and promotes it: current since now, not since its mint.
    h.sandbox.clock.advance(3 * HOUR);
    const resumed = await h.invoke({ targets: ['browser'] });
    expect(resumed.results[0]).toMatchObject({ outcome: 'rotated', resumed: true });
    expect(resumed.results[0]?.revoked).toBeUndefined();
    expect(issued(before.token)?.revokedAt).toBeUndefined();
  });
});

describe('configuration drift', () => {
  it('re-mints when the configured scopes no longer match the stored token', async () => {
    const h = rotator();
    await h.invoke({ targets: ['headless'] });
    const secretName = h.config.tokens[1]!.secretName;
    const current = JSON.parse((await h.aws.valueAt(secretName))!);
    // Simulate a token minted under an older configuration (scopes Unauthenticated only).
    await h.aws.putCurrent(secretName, JSON.stringify({ ...current, scopes: ['Unauthenticated'] }));
    const report = await h.invoke({ targets: ['headless'] });
    expect(report.results[0]).toMatchObject({
      outcome: 'rotated',
      reason: 'the configuration changed: scopes is now ["Customer"]',
    });
  });
});

describe('two invocations at once', () => {
  it('promote at most once per token, and the loser leaves nothing pending', async () => {
    const h = rotator();
    for (let pair = 0; pair < 5; pair += 1) {
      const first = h.newInstance();
      const second = h.newInstance();
      const before = (await h.events()).filter((e) => e.detailType === 'Token Rotated').length;
      const reports = await Promise.all([
        first({ targets: ['headless'], force: true }),
        second({ targets: ['headless'], force: true }),
      ]);
      const outcomes = reports.map((r) => r.results[0]?.outcome).sort();
      expect(outcomes.filter((o) => o === 'rotated').length).toBeLessThanOrEqual(1);
      for (const r of reports)
        if (r.results[0]?.outcome === 'skipped') expect(r.results[0].reason).toMatch(/in progress elsewhere/);
      const rotatedEvents = (await h.events()).filter((e) => e.detailType === 'Token Rotated').length - before;
      expect(rotatedEvents).toBe(outcomes.filter((o) => o === 'rotated').length);
      expect(pendingOutsideCurrent((await h.stages('headless')).values())).toBe(false);
    }
  });
});
