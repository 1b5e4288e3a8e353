import type { Context } from 'aws-lambda';
import {
  DIMENSIONS,
  type MetricBatch,
  OUTCOME_METRICS,
  RENEWAL_OVERDUE,
  SECONDS_UNTIL_EXPIRY,
} from '../../functions/observability/rotation-metrics';
import type { RunReport } from '../../functions/rotation/run';
import { createRotatorHandler } from '../../functions/rotator/handler';
import { localLambdaContext } from '../../sandbox/lambda-context';
import { issuedSecrets } from '../support/sandbox';
import { capturedOutput, useRotator } from '../support/rotator';

const rotator = useRotator();
const FUNCTION = 'storefront-rotator';
const DAY = 86_400;

/** A handler like the harness's, whose metrics go to `batches` (or, with `lambda`, to stdout as EMF). */
function handlerWith(batches: MetricBatch[][], lambda = false) {
  const h = rotator();
  const handler = createRotatorHandler('storefront', {
    clock: h.sandbox.clock,
    env: { ...process.env, ...(lambda ? { AWS_LAMBDA_FUNCTION_NAME: FUNCTION } : {}) },
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxRateLimitWaitMs: 200 },
    ...(lambda ? {} : { metrics: { emit: (b) => batches.push([...b]) } }),
  });
  return async (event: unknown) =>
    (await handler(event, localLambdaContext(FUNCTION) as Context)) as unknown as RunReport;
}

const metric = (batch: MetricBatch | undefined, name: string) => batch?.metrics.find((m) => m.name === name)?.value;

describe('the metrics of a run', () => {
  it('are written once per invocation: outcomes per function, seconds until expiry per token', async () => {
    const batches: MetricBatch[][] = [];
    const invoke = handlerWith(batches);
    const report = await invoke({});
    expect(report.summary.rotated).toBe(3);
    expect(batches).toHaveLength(1);
    const [perFunction, ...perToken] = batches[0] as MetricBatch[];
    expect(perFunction?.dimensions).toEqual({ [DIMENSIONS.functionName]: FUNCTION });
    expect(metric(perFunction, OUTCOME_METRICS.rotated)).toBe(3);
    expect(metric(perFunction, RENEWAL_OVERDUE)).toBe(0);
    const lifetimes: Record<string, number> = { headless: 7 * DAY, browser: 30 * DAY, impersonation: DAY };
    expect(perToken.map((b) => b.dimensions[DIMENSIONS.tokenId]).sort()).toEqual(Object.keys(lifetimes).sort());
    for (const batch of perToken) {
      expect(batch.dimensions).toMatchObject({ FunctionName: FUNCTION, StoreHash: 'teststore1' });
      const seconds = metric(batch, SECONDS_UNTIL_EXPIRY) as number;
      expect(Math.abs(seconds - (lifetimes[batch.dimensions.TokenId as string] as number))).toBeLessThan(120);
    }
  });

  it('count a token whose rotation keeps failing past half its renewal window as overdue', async () => {
    const h = rotator();
    // impersonation: 1d lifetime, 6h renewBefore. With 2h left it is due, and overdue (under 3h).
    h.sandbox.clock.advance((DAY - 2 * 3600) * 1000);
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: '/storefront/store-' },
      fault: { kind: 'status', status: 401 },
      times: 5,
    });
    const batches: MetricBatch[][] = [];
    const report = await handlerWith(batches)({});
    h.sandbox.bigcommerce.server.faults.clear();
    expect(report.results.find((r) => r.tokenId === 'impersonation')).toMatchObject({
      outcome: 'failed',
      step: 'verify',
    });
    const [perFunction, ...perToken] = batches[0] as MetricBatch[];
    expect(metric(perFunction, OUTCOME_METRICS.failed)).toBe(1);
    expect(metric(perFunction, RENEWAL_OVERDUE)).toBe(1);
    const impersonation = perToken.find((b) => b.dimensions.TokenId === 'impersonation');
    expect(metric(impersonation, SECONDS_UNTIL_EXPIRY)).toBeLessThanOrEqual(2 * 3600);
  });

  it('a manual run for one token does not say the others are fine', async () => {
    const batches: MetricBatch[][] = [];
    await handlerWith(batches)({ targets: ['headless'] });
    const names = batches[0]?.[0]?.metrics.map((m) => m.name);
    expect(names).toEqual([OUTCOME_METRICS.skipped]);
  });

  it('inside Lambda, reach stdout as EMF documents that carry no token', async () => {
    const before = capturedOutput().length;
    await handlerWith([], true)({});
    const docs = capturedOutput()
      .slice(before)
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    expect(docs.length).toBeGreaterThanOrEqual(4);
    expect(docs[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'BigCommerceTokenRotator',
      Dimensions: [['service', 'FunctionName']],
    });
    const text = JSON.stringify(docs);
    for (const secret of issuedSecrets(rotator().sandbox)) expect(text).not.toContain(secret);
  });
});
