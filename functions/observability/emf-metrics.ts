import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Log, SERVICE_NAME } from './logger';
import { describeError } from './redaction';
import { METRICS_NAMESPACE, type MetricBatch, type MetricsEmitter } from './rotation-metrics';

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds } as const;

/**
 * Writes metric batches as CloudWatch Embedded Metric Format documents on stdout (one per batch: EMF gives
 * all metrics of a document the same dimensions), through Powertools Metrics. In Lambda, CloudWatch Logs
 * turns them into metrics; no API call, no extra permission.
 */
export class PowertoolsMetricsEmitter implements MetricsEmitter {
  private readonly metrics: Metrics;

  constructor(private readonly log: Log) {
    const say =
      (write: (message: string) => void) =>
      (...content: unknown[]) =>
        write(content.map(String).join(' '));
    this.metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      logger: {
        debug: say((m) => log.debug(m)),
        info: say((m) => log.info(m)),
        warn: say((m) => log.warn(m)),
        error: say((m) => log.error(m)),
      },
    });
  }

  emit(batches: readonly MetricBatch[]): void {
    for (const batch of batches) {
      if (batch.metrics.length === 0) continue;
      try {
        for (const [name, value] of Object.entries(batch.dimensions)) this.metrics.addDimension(name, value);
        for (const metric of batch.metrics) this.metrics.addMetric(metric.name, UNITS[metric.unit], metric.value);
        this.metrics.publishStoredMetrics();
      } catch (error) {
        // A metric that cannot be written must not fail the run it describes; the rest are still written.
        this.metrics.clearDimensions();
        this.metrics.clearMetrics();
        this.log.warn('could not write metrics', { error: describeError(error) });
      }
    }
  }
}

/** Writes nothing: outside Lambda no one reads EMF from stdout, and local runs keep their output readable. */
export const noMetrics: MetricsEmitter = { emit: () => undefined };

/**
 * EMF inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set); nothing elsewhere. `POWERTOOLS_METRICS_DISABLED`
 * overrides either way: `true` silences them in Lambda, `false` prints them locally (e.g. `npm run invoke`).
 */
export function defaultMetricsEmitter(env: NodeJS.ProcessEnv, log: Log): MetricsEmitter {
  const setting = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  const disabled = setting === undefined ? env.AWS_LAMBDA_FUNCTION_NAME === undefined : ['true', '1'].includes(setting);
  return disabled ? noMetrics : new PowertoolsMetricsEmitter(log);
}
