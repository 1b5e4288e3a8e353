import { PowertoolsMetricsEmitter, defaultMetricsEmitter, noMetrics } from '../../functions/observability/emf-metrics';
import type { Log } from '../../functions/observability/logger';
import { METRICS_NAMESPACE, TOKEN_DIMENSIONS } from '../../functions/observability/rotation-metrics';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** EMF documents written to stdout while `work` runs. */
function emitted(work: () => void): Record<string, any>[] {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    work();
  } finally {
    spy.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l));
}

describe('PowertoolsMetricsEmitter', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
  });
  afterAll(() => {
    process.env = saved;
  });

  it('writes one EMF document per batch, with its dimensions plus the service', () => {
    const docs = emitted(() =>
      new PowertoolsMetricsEmitter(silent).emit([
        {
          dimensions: { FunctionName: 'fn' },
          metrics: [
            { name: 'TokensRotated', unit: 'Count', value: 2 },
            { name: 'RenewalOverdue', unit: 'Count', value: 0 },
          ],
        },
        {
          dimensions: { FunctionName: 'fn', StoreHash: 'store1', TokenId: 'headless' },
          metrics: [{ name: 'SecondsUntilExpiry', unit: 'Seconds', value: 3600 }],
        },
      ]),
    );
    expect(docs).toHaveLength(2);
    const [perFunction, perToken] = docs as [Record<string, any>, Record<string, any>];
    expect(perFunction._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service', 'FunctionName']],
        Metrics: [
          { Name: 'TokensRotated', Unit: 'Count' },
          { Name: 'RenewalOverdue', Unit: 'Count' },
        ],
      },
    ]);
    expect(perFunction).toMatchObject({
      service: 'bigcommerce-token-rotator',
      FunctionName: 'fn',
      TokensRotated: 2,
      RenewalOverdue: 0,
    });
    expect([...perToken._aws.CloudWatchMetrics[0].Dimensions[0]].sort()).toEqual([...TOKEN_DIMENSIONS].sort());
    expect(perToken).toMatchObject({ StoreHash: 'store1', TokenId: 'headless', SecondsUntilExpiry: 3600 });
    // The second document does not inherit the first one's metrics, nor the first its dimensions.
    expect(perToken.TokensRotated).toBeUndefined();
  });

  it('keeps writing the other batches when one cannot be written', () => {
    const warnings: string[] = [];
    const docs = emitted(() =>
      new PowertoolsMetricsEmitter({ ...silent, warn: (m) => warnings.push(m) }).emit([
        { dimensions: { FunctionName: 'fn' }, metrics: [{ name: '', unit: 'Count', value: 1 }] },
        { dimensions: { FunctionName: 'fn' }, metrics: [{ name: 'TokensSkipped', unit: 'Count', value: 1 }] },
      ]),
    );
    expect(warnings).toEqual(['could not write metrics']);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ TokensSkipped: 1 });
  });
});

describe('defaultMetricsEmitter', () => {
  it('writes EMF inside Lambda and nothing elsewhere, unless POWERTOOLS_METRICS_DISABLED says otherwise', () => {
    expect(defaultMetricsEmitter({ AWS_LAMBDA_FUNCTION_NAME: 'fn' }, silent)).toBeInstanceOf(PowertoolsMetricsEmitter);
    expect(defaultMetricsEmitter({}, silent)).toBe(noMetrics);
    expect(defaultMetricsEmitter({ AWS_LAMBDA_FUNCTION_NAME: 'fn', POWERTOOLS_METRICS_DISABLED: 'true' }, silent)).toBe(
      noMetrics,
    );
    expect(defaultMetricsEmitter({ POWERTOOLS_METRICS_DISABLED: 'false' }, silent)).toBeInstanceOf(
      PowertoolsMetricsEmitter,
    );
  });
});
