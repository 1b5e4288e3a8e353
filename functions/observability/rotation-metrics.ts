/**
 * The names of the product's metrics and their dimensions, shared by the functions (rotation/run-metrics.ts
 * counts a run's results under them) and the stack's alarms and dashboard; and the emitter port.
 */

/** CloudWatch namespace of every metric the product emits (EMF) or derives from its logs. */
export const METRICS_NAMESPACE = 'BigCommerceTokenRotator';

/**
 * One count per token result, by outcome (rotation/results.ts): per function, so their number does not grow
 * with the fleet.
 */
export const OUTCOME_METRICS = {
  rotated: 'TokensRotated',
  skipped: 'TokensSkipped',
  failed: 'TokensFailed',
  revoked: 'TokensRevoked',
  planned: 'TokensPlanned',
} as const;

/** Per token: seconds until the token in AWSCURRENT expires (negative once it has expired). */
export const SECONDS_UNTIL_EXPIRY = 'SecondsUntilExpiry';
/** Per token, for families whose tokens never expire (`b2b-backend`): seconds since it was minted. */
export const SECONDS_SINCE_MINTED = 'SecondsSinceMinted';
/**
 * Per token, in place of its life while it is paused (`paused` in the configuration): 1. A paused token is not
 * renewed by design, so it is neither counted overdue nor listed among the tokens closest to expiry.
 */
export const TOKEN_PAUSED = 'TokenPaused';
/**
 * Per function: how many tokens should have been renewed by now. An expiring token counts once less than
 * half its `renewBefore` is left; a token that never expires, once it is older than 1.5 rotation periods
 * (half a period past due). The alarm fires on any count above zero.
 */
export const RENEWAL_OVERDUE = 'RenewalOverdue';

/**
 * Dimension names. `service` is Powertools' own (the function's service name); `FunctionName` is the
 * Lambda function's name, so the metrics of two deployments in one account never mix.
 */
export const DIMENSIONS = {
  service: 'service',
  functionName: 'FunctionName',
  storeHash: 'StoreHash',
  tokenId: 'TokenId',
} as const;

/**
 * The dimensions of a token's series (a token id is unique in a deployment); a function's series has the
 * first two.
 */
export const TOKEN_DIMENSIONS = [
  DIMENSIONS.service,
  DIMENSIONS.functionName,
  DIMENSIONS.storeHash,
  DIMENSIONS.tokenId,
] as const;

export type MetricUnit = 'Count' | 'Seconds';

export interface MetricValue {
  name: string;
  unit: MetricUnit;
  value: number;
}

/**
 * Metrics sharing one dimension set, as one EMF document writes them. `dimensions` holds every dimension but
 * `service`, which the emitter adds. Only ids from the configuration and numbers: never a token, never text.
 */
export interface MetricBatch {
  dimensions: Record<string, string>;
  metrics: MetricValue[];
}

/** The port the handler writes a run's metrics through, once per invocation. */
export interface MetricsEmitter {
  emit(batches: readonly MetricBatch[]): void;
}
