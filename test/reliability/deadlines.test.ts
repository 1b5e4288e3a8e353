import { localLambdaContext } from '../../sandbox/lambda-context';
import { STORE, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

const tokens = Array.from({ length: 6 }, (_, i) => ({
  id: `token-${i + 1}`,
  store: STORE,
  family: 'customer-impersonation',
  channelIds: [1],
  lifetime: '1d',
  renewBefore: '6h',
}));
const rotator = useRotator(
  { stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }], tokens },
  { deadlines: { stopStartingWorkMs: 1_500, timeoutEarlyMs: 300, httpMarginMs: 0 } },
);

afterEach(() => {
  rotator().sandbox.bigcommerce.server.setLatency(0);
  rotator().sandbox.bigcommerce.server.faults.clear();
  rotator().sandbox.aws.server.faults.clear();
});

describe('near the Lambda deadline', () => {
  it('starts no new token, reports those it did not reach, and the next run does them', async () => {
    const h = rotator();
    h.sandbox.bigcommerce.server.setLatency(400);
    const handler = h.newInstance();
    const report = await handler({}, localLambdaContext('storefront-rotator', 2_200));
    // Four tokens start at once; when they finish, less than 1.5 s is left, so the last two never start.
    expect(report.results.map((r) => r.outcome)).toEqual(['rotated', 'rotated', 'rotated', 'rotated']);
    expect(report.notReached).toEqual(['token-5', 'token-6']);
    expect(report.summary).toMatchObject({ rotated: 4, notReached: 2, interrupted: 0 });

    h.sandbox.bigcommerce.server.setLatency(0);
    const next = await handler({});
    expect(next.results.map((r) => [r.tokenId, r.outcome])).toEqual([
      ['token-1', 'skipped'],
      ['token-2', 'skipped'],
      ['token-3', 'skipped'],
      ['token-4', 'skipped'],
      ['token-5', 'rotated'],
      ['token-6', 'rotated'],
    ]);
  });

  it('is cut off before the deadline with what it finished and interrupted, leaving nothing the next run cannot finish', async () => {
    const h = rotator();
    // Every secret write hangs (past the 5 s SDK timeout): the rotations in flight cannot finish in time.
    h.sandbox.aws.server.injectFault({ match: { operation: 'PutSecretValue' }, fault: { kind: 'hang' }, times: 100 });
    const handler = h.newInstance();
    const report = await handler({ force: true }, localLambdaContext('storefront-rotator', 2_000));
    expect(report.summary.interrupted).toBe(4);
    expect(report.interrupted).toEqual(['token-1', 'token-2', 'token-3', 'token-4']);
    expect(report.notReached).toEqual(['token-5', 'token-6']);
    expect(report.results).toEqual([]);

    h.sandbox.aws.server.faults.clear();
    for (const token of h.config.tokens) expect(pendingOutsideCurrent((await h.stages(token.id)).values())).toBe(false);
    const next = await h.newInstance()({ force: true });
    expect(next.results.every((r) => r.outcome === 'rotated')).toBe(true);
  });
});
