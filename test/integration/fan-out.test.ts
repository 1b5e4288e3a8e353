import type { RecordedRequest } from '../../sandbox';
import { FAN_OUT_MIN_TOKENS } from '../../functions/rotation/fan-out';
import { privateFleetConfig, storeNames } from '../../sandbox/fleet-config';
import { capturedLogLines, useRotator } from '../support/rotator';

/**
 * A sweep with enough work hands it to its function's work queue, one message per store, and the event
 * source mapping's invocations do it; everything else stays one invocation. Run on the sandbox and on moto;
 * an idle sweep's cost (nothing sent) is in call-budget.test.ts.
 */
const STORES = 10;
const PER_STORE = 3;
const TOKENS = STORES * PER_STORE;

function count(requests: RecordedRequest[], operation: string): number {
  return requests.filter((r) => r.operation === operation).length;
}

describe('a sweep with many tokens to rotate across stores', () => {
  const rotator = useRotator(privateFleetConfig(storeNames('fan', STORES), PER_STORE), {
    workQueue: { writesPerSecond: 40 },
  });

  it('hands the work out, one message per store, and the consumers rotate every token', async () => {
    expect(TOKENS).toBeGreaterThanOrEqual(FAN_OUT_MIN_TOKENS);
    const h = rotator();
    h.sandbox.aws.server.clearRequests();
    h.sandbox.bigcommerce.server.clearRequests();

    const sweep = await h.invoke({ trigger: 'schedule' });
    expect(sweep.summary.dispatched).toBe(TOKENS);
    expect(sweep.dispatched).toHaveLength(TOKENS);
    expect(sweep.results).toEqual([]);
    expect(sweep.notReached).toEqual([]);
    expect(h.sandbox.bigcommerce.server.requests()).toHaveLength(0);
    const sent = h.sandbox.aws.server.requests();
    expect(count(sent, 'SendMessageBatch')).toBe(Math.ceil(STORES / 10));
    const bodies = sent
      .filter((r) => r.operation === 'SendMessageBatch')
      .flatMap((r) => (r.body as { Entries: { MessageBody: string }[] }).Entries.map((e) => JSON.parse(e.MessageBody)));
    expect(bodies).toHaveLength(STORES);
    for (const body of bodies) {
      expect(body.tokenIds).toHaveLength(PER_STORE);
      expect(body.tokenIds.every((id: string) => id.startsWith(`${body.storeHash}-`))).toBe(true);
      expect(body).toMatchObject({ trigger: 'schedule', force: false });
    }

    const drained = await h.drain('storefront', 3);
    expect(drained).toMatchObject({ invocations: STORES, failures: 0 });
    expect(drained.maxInFlight).toBeLessThanOrEqual(3);
    for (const token of h.config.tokens) expect((await h.secret(token.id))?.token).toEqual(expect.any(String));
    const rotated = (await h.events()).filter((e) => e.detailType === 'Token Rotated');
    expect(rotated).toHaveLength(TOKENS);
    expect(new Set(rotated.map((e) => (e.detail as { tokenId: string }).tokenId)).size).toBe(TOKENS);
  });

  it('rotates a few due tokens itself, with no queue traffic', async () => {
    const h = rotator();
    const few = h.config.tokens.slice(0, 5).map((t) => t.id);
    h.sandbox.aws.server.clearRequests();
    const report = await h.invoke({ targets: few, force: true });
    expect(report.summary).toMatchObject({ rotated: 5, dispatched: 0 });
    expect(count(h.sandbox.aws.server.requests(), 'SendMessageBatch')).toBe(0);
  });

  it('never hands out a dry run', async () => {
    const h = rotator();
    h.sandbox.aws.server.clearRequests();
    const report = await h.invoke({ force: true, dryRun: true });
    expect(report.summary).toMatchObject({ planned: TOKENS, dispatched: 0 });
    expect(count(h.sandbox.aws.server.requests(), 'SendMessageBatch')).toBe(0);
  });

  it('a forced sweep hands out force and its start: each token is re-minted once', async () => {
    const h = rotator();
    const before = new Map<string, string>();
    for (const t of h.config.tokens) before.set(t.id, (await h.secret(t.id))?.mintedAt);
    const sweep = await h.invoke({ force: true });
    expect(sweep.summary.dispatched).toBe(TOKENS);
    await h.drain('storefront', 5);
    for (const t of h.config.tokens) {
      const now = await h.secret(t.id);
      expect(now?.mintedAt).not.toBe(before.get(t.id));
    }
  });

  it('rotates the stores the queue refused itself, and says so', async () => {
    const h = rotator();
    // The SDK makes three attempts; all three fail.
    h.sandbox.aws.server.injectFault({
      match: { operation: 'SendMessageBatch' },
      fault: { kind: 'status', status: 500 },
      times: 3,
    });
    const sweep = await h.invoke({ force: true });
    expect(sweep.summary).toMatchObject({ rotated: TOKENS, dispatched: 0, failed: 0 });
    expect(
      capturedLogLines().some(
        (l) => l.message === 'the work queue did not take every store; this run rotates those itself',
      ),
    ).toBe(true);
  });
});
