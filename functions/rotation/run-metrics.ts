import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../config/types';
import {
  DIMENSIONS,
  type MetricBatch,
  type MetricValue,
  OUTCOME_METRICS,
  RENEWAL_OVERDUE,
  SECONDS_SINCE_MINTED,
  SECONDS_UNTIL_EXPIRY,
  TOKEN_PAUSED,
} from '../observability/rotation-metrics';
import { pausedBecause } from './decisions';
import type { RotationPolicy } from './due';
import type { Outcome, TargetResult } from './results';
import type { FinishedToken } from './run';

/** Every outcome's metric: a new outcome without one does not compile. */
const OUTCOME_METRIC: Readonly<Record<Outcome, string>> = OUTCOME_METRICS;

/** What the secret says of a token's life after a run: how long it has left, or how old it is. */
export interface TokenLife {
  metric: typeof SECONDS_UNTIL_EXPIRY | typeof SECONDS_SINCE_MINTED;
  seconds: number;
  /** It should have been renewed by now. */
  overdue: boolean;
}

/**
 * The life of the token a result leaves in AWSCURRENT, judged by the rule the rotator used; undefined when
 * the result does not say (no token yet, or the secret could not be read).
 */
export function tokenLife(result: TargetResult, policy: RotationPolicy, now: Date): TokenLife | undefined {
  if (policy.kind === 'expiring') {
    if (!result.expiresAt) return undefined;
    const seconds = Math.floor((Date.parse(result.expiresAt) - now.getTime()) / 1000);
    if (!Number.isFinite(seconds)) return undefined;
    return { metric: SECONDS_UNTIL_EXPIRY, seconds, overdue: seconds < policy.renewBeforeSeconds / 2 };
  }
  // A result that does not carry the mint time still tells it through the next due time (mint + period).
  const mintedAt = result.mintedAt
    ? Date.parse(result.mintedAt)
    : result.nextDueAt
      ? Date.parse(result.nextDueAt) - policy.rotationPeriodSeconds * 1000
      : Number.NaN;
  const seconds = Math.floor((now.getTime() - mintedAt) / 1000);
  if (!Number.isFinite(seconds)) return undefined;
  return { metric: SECONDS_SINCE_MINTED, seconds, overdue: seconds > policy.rotationPeriodSeconds * 1.5 };
}

/**
 * One invocation's metrics, gathered as results arrive and drained once at the end (or at the cut-off).
 * `RenewalOverdue` is reported as 0 only by a run that judged every token of its function: a manual run
 * for one token, or a run cut off by its deadline, cannot say that none is overdue.
 */
export class RunMetrics {
  private readonly outcomes = new Map<Outcome, number>();
  private readonly lives: { target: ManagedToken; life: TokenLife }[] = [];
  private readonly paused: ManagedToken[] = [];
  private readonly judged = new Set<string>();
  private readonly expected: Set<string>;

  constructor(
    private readonly functionName: string,
    kind: RotatorKind,
    tokens: readonly ManagedToken[],
  ) {
    this.expected = new Set(tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind).map((t) => t.id));
  }

  record({ target, policy, result }: FinishedToken, now: Date): void {
    this.outcomes.set(result.outcome, (this.outcomes.get(result.outcome) ?? 0) + 1);
    if (pausedBecause({ target })) {
      // Not renewed by design: judged (never overdue), and reported paused rather than by its life.
      this.paused.push(target);
      this.judged.add(target.id);
      return;
    }
    const life = tokenLife(result, policy, now);
    if (life) this.lives.push({ target, life });
    // Judged: its life is known, or it has no token yet (the placeholder: nothing to be overdue). Not judged:
    // a secret that could not be read, or a token whose life the result does not tell.
    const noTokenYet = result.versionId === undefined && !(result.outcome === 'failed' && result.step === 'read');
    if (life || noTokenYet) this.judged.add(target.id);
  }

  /** The batches gathered since the last drain: the function's counts first, then one per token. */
  drain(): MetricBatch[] {
    const functionMetrics: MetricValue[] = [...this.outcomes].map(([outcome, count]) => ({
      name: OUTCOME_METRIC[outcome],
      unit: 'Count',
      value: count,
    }));
    const overdue = this.lives.filter((l) => l.life.overdue).length;
    const judgedAll = [...this.expected].every((id) => this.judged.has(id));
    if (overdue > 0 || (judgedAll && this.expected.size > 0)) {
      functionMetrics.push({ name: RENEWAL_OVERDUE, unit: 'Count', value: overdue });
    }
    const batches: MetricBatch[] = [];
    if (functionMetrics.length > 0) {
      batches.push({ dimensions: { [DIMENSIONS.functionName]: this.functionName }, metrics: functionMetrics });
    }
    for (const { target, life } of this.lives) {
      batches.push(this.tokenBatch(target, { name: life.metric, unit: 'Seconds', value: life.seconds }));
    }
    for (const target of this.paused)
      batches.push(this.tokenBatch(target, { name: TOKEN_PAUSED, unit: 'Count', value: 1 }));
    this.outcomes.clear();
    this.lives.length = 0;
    this.paused.length = 0;
    this.judged.clear();
    return batches;
  }

  private tokenBatch(target: ManagedToken, metric: MetricValue): MetricBatch {
    const { functionName, storeHash, tokenId } = DIMENSIONS;
    return {
      dimensions: { [functionName]: this.functionName, [storeHash]: target.storeHash, [tokenId]: target.id },
      metrics: [metric],
    };
  }
}
