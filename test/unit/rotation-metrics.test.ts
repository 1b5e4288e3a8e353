import type { ManagedToken } from '../../functions/config/types';
import {
  DIMENSIONS,
  OUTCOME_METRICS,
  RENEWAL_OVERDUE,
  SECONDS_SINCE_MINTED,
  SECONDS_UNTIL_EXPIRY,
  TOKEN_PAUSED,
} from '../../functions/observability/rotation-metrics';
import type { RotationPolicy } from '../../functions/rotation/due';
import type { TargetResult } from '../../functions/rotation/results';
import { RunMetrics, tokenLife } from '../../functions/rotation/run-metrics';

const NOW = new Date('2026-11-21T12:00:00.000Z');
const HOUR = 3600;
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000).toISOString();

const expiring: RotationPolicy = { kind: 'expiring', renewBeforeSeconds: 2 * 24 * HOUR };
const period: RotationPolicy = { kind: 'period', rotationPeriodSeconds: 7 * 24 * HOUR };

function token(id: string, family: ManagedToken['family'] = 'storefront-private', storeHash = 'store1'): ManagedToken {
  return { id, family, storeHash, secretName: `bigcommerce/${storeHash}/${id}` } as ManagedToken;
}

function result(target: ManagedToken, extra: Partial<TargetResult> = {}): TargetResult {
  return {
    tokenId: target.id,
    family: target.family,
    storeHash: target.storeHash,
    secretName: target.secretName,
    outcome: 'skipped',
    reason: 'valid until ...',
    ...extra,
  };
}

describe('tokenLife', () => {
  const t = token('headless');

  it('counts the seconds an expiring token has left, negative once it has expired', () => {
    expect(tokenLife(result(t, { expiresAt: at(5 * 24 * HOUR) }), expiring, NOW)).toEqual({
      metric: SECONDS_UNTIL_EXPIRY,
      seconds: 5 * 24 * HOUR,
      overdue: false,
    });
    expect(tokenLife(result(t, { expiresAt: at(-90) }), expiring, NOW)).toMatchObject({ seconds: -90, overdue: true });
  });

  it('calls an expiring token overdue once less than half its renewBefore is left', () => {
    const half = expiring.kind === 'expiring' ? expiring.renewBeforeSeconds / 2 : 0;
    expect(tokenLife(result(t, { expiresAt: at(half) }), expiring, NOW)?.overdue).toBe(false);
    expect(tokenLife(result(t, { expiresAt: at(half - 1) }), expiring, NOW)?.overdue).toBe(true);
  });

  it('says nothing when the result does not say: no token yet, or a secret that could not be read', () => {
    expect(tokenLife(result(t), expiring, NOW)).toBeUndefined();
    expect(tokenLife(result(t, { outcome: 'failed', step: 'read' }), expiring, NOW)).toBeUndefined();
    expect(tokenLife(result(t, { expiresAt: null }), expiring, NOW)).toBeUndefined();
  });

  it('counts the age of a token that never expires, from its mint time or its next due time', () => {
    const b2b = token('erp', 'b2b-backend');
    expect(tokenLife(result(b2b, { expiresAt: null, mintedAt: at(-2 * HOUR) }), period, NOW)).toEqual({
      metric: SECONDS_SINCE_MINTED,
      seconds: 2 * HOUR,
      overdue: false,
    });
    // A result without mintedAt (an older rotate-token) still gives it through nextDueAt = mint + period.
    expect(
      tokenLife(result(b2b, { expiresAt: null, nextDueAt: at(7 * 24 * HOUR - 2 * HOUR) }), period, NOW)?.seconds,
    ).toBe(2 * HOUR);
    expect(tokenLife(result(b2b, { outcome: 'failed', step: 'mint', expiresAt: null }), period, NOW)).toBeUndefined();
  });

  it('calls a token that never expires overdue once it is older than 1.5 rotation periods', () => {
    const b2b = token('erp', 'b2b-backend');
    const limit = 1.5 * 7 * 24 * HOUR;
    expect(tokenLife(result(b2b, { mintedAt: at(-limit) }), period, NOW)?.overdue).toBe(false);
    expect(tokenLife(result(b2b, { mintedAt: at(-limit - 1) }), period, NOW)?.overdue).toBe(true);
  });
});

describe('RunMetrics', () => {
  const tokens = [
    token('a'),
    token('b', 'storefront', 'store2'),
    token('c', 'customer-impersonation'),
    token('erp', 'b2b-backend'),
  ];
  const [a, b, c] = tokens as [ManagedToken, ManagedToken, ManagedToken];

  it('counts outcomes per function and reports each token life under its store and token id', () => {
    const run = new RunMetrics('fn-storefront', 'storefront', tokens);
    run.record(
      { target: a, policy: expiring, result: result(a, { outcome: 'rotated', expiresAt: at(7 * 24 * HOUR) }) },
      NOW,
    );
    run.record({ target: b, policy: expiring, result: result(b, { expiresAt: at(3 * 24 * HOUR) }) }, NOW);
    run.record(
      { target: c, policy: expiring, result: result(c, { outcome: 'failed', step: 'verify', expiresAt: at(HOUR) }) },
      NOW,
    );
    expect(run.drain()).toEqual([
      {
        dimensions: { [DIMENSIONS.functionName]: 'fn-storefront' },
        metrics: [
          { name: OUTCOME_METRICS.rotated, unit: 'Count', value: 1 },
          { name: OUTCOME_METRICS.skipped, unit: 'Count', value: 1 },
          { name: OUTCOME_METRICS.failed, unit: 'Count', value: 1 },
          { name: RENEWAL_OVERDUE, unit: 'Count', value: 1 },
        ],
      },
      {
        dimensions: { FunctionName: 'fn-storefront', StoreHash: 'store1', TokenId: 'a' },
        metrics: [{ name: SECONDS_UNTIL_EXPIRY, unit: 'Seconds', value: 7 * 24 * HOUR }],
      },
      {
        dimensions: { FunctionName: 'fn-storefront', StoreHash: 'store2', TokenId: 'b' },
        metrics: [{ name: SECONDS_UNTIL_EXPIRY, unit: 'Seconds', value: 3 * 24 * HOUR }],
      },
      {
        dimensions: { FunctionName: 'fn-storefront', StoreHash: 'store1', TokenId: 'c' },
        metrics: [{ name: SECONDS_UNTIL_EXPIRY, unit: 'Seconds', value: HOUR }],
      },
    ]);
  });

  it('reports no overdue token (0) only after judging every token of its function', () => {
    const full = new RunMetrics('fn', 'storefront', tokens);
    for (const t of [a, b, c])
      full.record({ target: t, policy: expiring, result: result(t, { expiresAt: at(5 * 24 * HOUR) }) }, NOW);
    expect(full.drain()[0]?.metrics).toContainEqual({ name: RENEWAL_OVERDUE, unit: 'Count', value: 0 });

    // A manual run for one token cannot say the others are fine.
    const partial = new RunMetrics('fn', 'storefront', tokens);
    partial.record({ target: a, policy: expiring, result: result(a, { expiresAt: at(5 * 24 * HOUR) }) }, NOW);
    expect(partial.drain()[0]?.metrics.map((m) => m.name)).not.toContain(RENEWAL_OVERDUE);

    // Nor one that could not tell a token's life (a failed B2B rotation whose result lacks the mint time).
    const b2bTokens = [token('erp', 'b2b-backend')];
    const untold = new RunMetrics('fn', 'b2b', b2bTokens);
    untold.record(
      {
        target: b2bTokens[0] as ManagedToken,
        policy: period,
        result: result(b2bTokens[0] as ManagedToken, {
          outcome: 'failed',
          step: 'mint',
          versionId: 'v1',
          expiresAt: null,
        }),
      },
      NOW,
    );
    expect(untold.drain()[0]?.metrics.map((m) => m.name)).not.toContain(RENEWAL_OVERDUE);

    // Neither can a run that could not read a secret.
    const unread = new RunMetrics('fn', 'storefront', tokens);
    unread.record({ target: a, policy: expiring, result: result(a, { expiresAt: at(5 * 24 * HOUR) }) }, NOW);
    unread.record({ target: b, policy: expiring, result: result(b, { expiresAt: at(5 * 24 * HOUR) }) }, NOW);
    unread.record({ target: c, policy: expiring, result: result(c, { outcome: 'failed', step: 'read' }) }, NOW);
    expect(unread.drain()[0]?.metrics.map((m) => m.name)).not.toContain(RENEWAL_OVERDUE);
  });

  it('counts an overdue token even in a partial run, and judges a placeholder (no token yet) as not overdue', () => {
    const partial = new RunMetrics('fn', 'storefront', tokens);
    partial.record(
      { target: c, policy: expiring, result: result(c, { outcome: 'failed', step: 'mint', expiresAt: at(60) }) },
      NOW,
    );
    expect(partial.drain()[0]?.metrics).toContainEqual({ name: RENEWAL_OVERDUE, unit: 'Count', value: 1 });

    const first = new RunMetrics('fn', 'storefront', tokens);
    for (const t of [a, b, c])
      first.record({ target: t, policy: expiring, result: result(t, { outcome: 'failed', step: 'mint' }) }, NOW);
    const batches = first.drain();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.metrics).toEqual([
      { name: OUTCOME_METRICS.failed, unit: 'Count', value: 3 },
      { name: RENEWAL_OVERDUE, unit: 'Count', value: 0 },
    ]);
  });

  it('counts a paused token as judged and never overdue, and reports it paused instead of its life', () => {
    const paused = { ...c, paused: true } as ManagedToken;
    const erp = { ...(tokens[3] as ManagedToken), paused: true } as ManagedToken;
    const run = new RunMetrics('fn', 'storefront', [a, b, paused]);
    run.record({ target: a, policy: expiring, result: result(a, { expiresAt: at(5 * 24 * HOUR) }) }, NOW);
    run.record({ target: b, policy: expiring, result: result(b, { expiresAt: at(5 * 24 * HOUR) }) }, NOW);
    // Expired an hour ago: overdue, were it not paused.
    const expired = result(paused, { reason: 'paused', versionId: 'v1', expiresAt: at(-HOUR) });
    run.record({ target: paused, policy: expiring, result: expired }, NOW);
    const batches = run.drain();
    expect(batches[0]?.metrics).toContainEqual({ name: RENEWAL_OVERDUE, unit: 'Count', value: 0 });
    expect(batches[0]?.metrics).toContainEqual({ name: OUTCOME_METRICS.skipped, unit: 'Count', value: 3 });
    expect(batches.filter((batch) => batch.dimensions.TokenId === 'c')).toEqual([
      {
        dimensions: { FunctionName: 'fn', StoreHash: 'store1', TokenId: 'c' },
        metrics: [{ name: TOKEN_PAUSED, unit: 'Count', value: 1 }],
      },
    ]);

    // A paused B2B token a rotation period and more past due: the same.
    const b2b = new RunMetrics('fn-b2b', 'b2b', [erp]);
    const old = result(erp, { reason: 'paused', versionId: 'v1', expiresAt: null, mintedAt: at(-30 * 24 * HOUR) });
    b2b.record({ target: erp, policy: period, result: old }, NOW);
    expect(b2b.drain()).toEqual([
      {
        dimensions: { FunctionName: 'fn-b2b' },
        metrics: [
          { name: OUTCOME_METRICS.skipped, unit: 'Count', value: 1 },
          { name: RENEWAL_OVERDUE, unit: 'Count', value: 0 },
        ],
      },
      {
        dimensions: { FunctionName: 'fn-b2b', StoreHash: 'store1', TokenId: 'erp' },
        metrics: [{ name: TOKEN_PAUSED, unit: 'Count', value: 1 }],
      },
    ]);
  });

  it('drains once: what a cut-off already wrote is not written again', () => {
    const run = new RunMetrics('fn', 'storefront', tokens);
    run.record({ target: a, policy: expiring, result: result(a, { expiresAt: at(HOUR * 100) }) }, NOW);
    expect(run.drain()).toHaveLength(2);
    expect(run.drain()).toEqual([]);
  });

  it('carries only configuration ids and numbers, whatever a result says', () => {
    const run = new RunMetrics('fn', 'storefront', tokens);
    const secretish = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig';
    run.record(
      {
        target: a,
        policy: expiring,
        result: result(a, {
          outcome: 'failed',
          step: 'verify',
          reason: secretish,
          warnings: [secretish],
          expiresAt: at(HOUR),
        }),
      },
      NOW,
    );
    const text = JSON.stringify(run.drain());
    expect(text).not.toContain(secretish);
    expect(text).not.toContain('verify');
  });
});
