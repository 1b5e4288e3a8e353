import { parseConfig } from '../../functions/config/schema';
import { CLAIM_LEASE_MS, type ClaimRecord } from '../../functions/rotation/claim';
import type { RotationOptions } from '../../functions/rotation/context';
import {
  bulkReadSuffices,
  type Creation,
  claimOf,
  cleanupWanted,
  creation,
  decide,
  type NamedVersion,
  namedVersion,
  notStagedBecause,
  pausedBecause,
  pausedStep,
  type Subject,
  scheduledButNotDue,
  settled,
  usefulPending,
} from '../../functions/rotation/decisions';
import { nextDueAt } from '../../functions/rotation/due';
import { currentSince, PROMOTION_CALL_MS, promotionMayBeLate } from '../../functions/rotation/promotion';
import type { CleanupFacts, FamilyAdapter, VersionState } from '../../functions/rotation/family';
import { onlyCurrent, type SecretState } from '../../functions/rotation/secret-state';
import { STAGES } from '../../functions/rotation/secret-store';
import type { StoredToken } from '../../functions/rotation/stored-token';
import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';

// The rotation's decisions, each judged from a secret as a read would return it, the token's family rules and
// the time: no sandbox, no port. A family whose mint or verify is called fails the test.

const NOW = new Date('2026-11-21T12:00:00.000Z');
const HOUR = 3_600_000;
const LEASE = CLAIM_LEASE_MS;
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

const [target] = parseConfig({
  stores: [{ storeHash: 'abc', credentialsSecret: 'bigcommerce/abc/api-account' }],
  tokens: [{ id: 'headless', store: 'abc', ...PRIVATE_TOKEN }],
}).tokens;
if (!target) throw new Error('the configuration has no token');

/** A token this product wrote for `target`, minted `mintedAgo` before NOW, valid for `lifetime` from its mint. */
function token(mintedAgo: number, lifetime: number | null = 7 * 24 * HOUR, value = `token-${mintedAgo}`): StoredToken {
  return {
    schemaVersion: 1,
    token: value,
    tokenId: target?.id ?? '',
    family: 'storefront-private',
    storeHash: 'abc',
    mintedAt: at(-mintedAgo),
    expiresAt: lifetime === null ? null : at(lifetime - mintedAgo),
    usage: { header: 'Authorization', valuePrefix: 'Bearer ' },
    details: {},
  };
}

// A token with 5 days left of 7, renewed 2 days before expiry: not due. One with a day left: due.
const FRESH = token(2 * 24 * HOUR);
const DUE = token(6 * 24 * HOUR);

/** The secret with `labels` per version id, AWSCURRENT on `current`; the rest as a full read returns it. */
function secret(current: VersionState, labels: Record<string, string[]>, rest: Partial<SecretState> = {}): SecretState {
  const versions = Object.entries(labels).map(([versionId, stages]) => ({ versionId, stages }));
  const description = { arn: 'arn:secret', name: target?.secretName ?? '', versions, ...rest.description };
  return { ...onlyCurrent(description, current, true), ...rest, description };
}
const version = (versionId: string, stored: StoredToken | undefined, revoked = false): VersionState => ({
  versionId,
  stored,
  revoked,
});
/** A finished rotation: AWSCURRENT holds AWSPENDING and the claim too. */
const finished = (stored: StoredToken | undefined = FRESH, more: Record<string, string[]> = {}): SecretState =>
  secret(version('v1', stored), { v1: [STAGES.current, STAGES.pending, STAGES.claim], ...more });

const expiring = { kind: 'expiring', renewBeforeSeconds: 2 * 24 * 3600 } as const;
const noCall = (): never => {
  throw new Error('a decision called BigCommerce');
};

function subject(rules: Partial<FamilyAdapter> = {}, options: Partial<RotationOptions> = {}): Subject {
  const family: FamilyAdapter = { family: 'storefront-private', policy: () => expiring, mint: noCall, verify: noCall };
  return {
    target: target as NonNullable<typeof target>,
    family: { ...family, ...rules },
    options: { force: false, dryRun: false, trigger: 'schedule', ...options },
  };
}
/** A family that revokes superseded tokens, with the default rule: once per current version. */
const cleaning = (rules: Partial<FamilyAdapter> = {}) =>
  subject({ cleanup: () => Promise.reject(new Error('a decision cleaned up')), ...rules });

describe('decide (step 2)', () => {
  it.each([
    ['no token this product wrote (the placeholder)', undefined, {}, { due: true, reason: /holds no token written/ }],
    ['a fresh token', FRESH, {}, { due: false, reason: /^valid until .*; renewal due at / }],
    ['a token inside its renewal window', DUE, {}, { due: true, reason: /inside the 2d renewal window/ }],
    ['an expired token', token(8 * 24 * HOUR), {}, { due: true, reason: /^expired at / }],
    ['a token with no expiry', token(HOUR, null), {}, { due: true, reason: 'the stored token has no expiry date' }],
    ['a forced run', FRESH, { force: true }, { due: true, reason: 'forced' }],
    [
      'a forced run that started after the mint',
      FRESH,
      { force: true, startedAt: NOW },
      { due: true, reason: 'forced' },
    ],
    [
      'a forced run, the token minted since it started (by another run)',
      FRESH,
      { force: true, startedAt: new Date(Date.parse(FRESH.mintedAt)) },
      { due: false, reason: /^forced, but the current token was minted since this run started; valid until / },
    ],
    [
      'a forced run, the token minted since it started but due anyway',
      DUE,
      { force: true, startedAt: new Date(Date.parse(DUE.mintedAt) - 1) },
      { due: true, reason: /inside the 2d renewal window/ },
    ],
  ] as const)('%s', (_, stored, options, expected) => {
    const decision = decide(subject({}, options), version('v1', stored), NOW);
    expect(decision).toMatchObject({ due: expected.due, reason: expect.stringMatching(expected.reason) });
    if (!decision.due) expect(decision.nextDueAt).toEqual(new Date(Date.parse(`${stored?.expiresAt}`) - 2 * 24 * HOUR));
  });

  it('is due when the stored token no longer fits its configuration (drift)', () => {
    const drifted = subject({ drift: () => 'scopes is now ["Unauthenticated"]' });
    expect(decide(drifted, version('v1', FRESH), NOW)).toEqual({
      due: true,
      reason: 'the configuration changed: scopes is now ["Unauthenticated"]',
    });
    expect(decide(drifted, version('v1', undefined), NOW).reason).toMatch(/holds no token written/);
  });
});

describe('nextDueAt', () => {
  it.each([
    ['an expiring token: its expiry less the renewal window', expiring, FRESH, at(3 * 24 * HOUR)],
    [
      'a token on a period: its mint plus the period',
      { kind: 'period', rotationPeriodSeconds: 3600 },
      FRESH,
      at(-47 * HOUR),
    ],
    ['an expiring token with no expiry date: none', expiring, token(HOUR, null), null],
  ] as const)('%s', (_, policy, stored, expected) => {
    expect(nextDueAt(policy, stored)?.toISOString() ?? null).toBe(expected);
  });
});

describe('claimOf (step 3: is the rotation held elsewhere?)', () => {
  const current = version('v1', FRESH);
  const record = (leaseUntil: string, basedOnVersionId = 'v1'): ClaimRecord => ({
    claimedAt: at(-HOUR),
    leaseUntil,
    basedOnVersionId,
    runId: 'run',
  });
  it.each([
    ['no claim label anywhere', secret(current, { v1: [STAGES.current] }), false],
    ['the claim on AWSCURRENT: a finished rotation', finished(), false],
    [
      'the claim on AWSPREVIOUS: a promoted token an edit has since replaced',
      secret(current, { v1: [STAGES.current], v0: [STAGES.previous, STAGES.claim] }),
      false,
    ],
    [
      'the claim on a released version: a run that failed gave it up',
      secret(current, { v1: [STAGES.current], c1: [STAGES.claim, STAGES.released] }),
      false,
    ],
    [
      'the claim on a token staged within the lease',
      secret(
        current,
        { v1: [STAGES.current], v2: [STAGES.pending, STAGES.claim] },
        { pending: version('v2', token(LEASE - 1)) },
      ),
      new Date(NOW.getTime() + 1),
    ],
    [
      'the claim on a token staged a lease ago',
      secret(
        current,
        { v1: [STAGES.current], v2: [STAGES.pending, STAGES.claim] },
        { pending: version('v2', token(LEASE)) },
      ),
      false,
    ],
    [
      'the claim on an empty AWSPENDING version: no mint time, no claim',
      secret(
        current,
        { v1: [STAGES.current], v2: [STAGES.pending, STAGES.claim] },
        { pending: version('v2', undefined) },
      ),
      false,
    ],
    [
      'a claim version within its lease, made on AWSCURRENT',
      secret(current, { v1: [STAGES.current], c1: [STAGES.claim] }, { claim: record(at(1)) }),
      new Date(NOW.getTime() + 1),
    ],
    [
      'a claim version whose lease has ended',
      secret(current, { v1: [STAGES.current], c1: [STAGES.claim] }, { claim: record(at(0)) }),
      false,
    ],
    [
      'a claim version made on a version no longer current',
      secret(current, { v1: [STAGES.current], c1: [STAGES.claim] }, { claim: record(at(HOUR), 'v0') }),
      false,
    ],
    [
      'a claim version whose record could not be read',
      secret(current, { v1: [STAGES.current], c1: [STAGES.claim] }),
      false,
    ],
  ] as const)('%s', (_, read, until) => {
    expect(claimOf(read, NOW)).toEqual(until ? { held: true, until } : { held: false });
  });
});

describe('cleanupWanted (step 8, asked without a call)', () => {
  const seen: CleanupFacts[] = [];
  const ruled = cleaning({
    cleanupDue: (_, facts) => {
      seen.push(facts);
      return facts.attemptSince;
    },
  });
  const current = version('v1', FRESH);
  const cleaned = secret(current, { v1: [STAGES.current, STAGES.cleaned] }).description;
  const plain = secret(current, { v1: [STAGES.current] }).description;
  const claimElsewhere = secret(current, { v1: [STAGES.current], c1: [STAGES.claim] }).description;
  it.each([
    ['a family that cannot clean up', subject(), plain, false, false],
    ['a token that asks for no cleanup', cleaning({ wantsCleanup: () => false }), plain, false, false],
    ['by default: not cleaned since it became current', cleaning(), plain, false, true],
    ['by default: labelled cleaned', cleaning(), cleaned, false, false],
    ['by default: just promoted, whatever the label says', cleaning(), cleaned, true, true],
    ["the family's rule: an attempt since (the claim elsewhere)", ruled, claimElsewhere, false, true],
    ["the family's rule: no attempt since", ruled, plain, false, false],
    ["the family's rule: just promoted is no attempt since", ruled, claimElsewhere, true, false],
  ] as const)('%s', (_, rules, description, justRotated, expected) => {
    expect(cleanupWanted(rules, description, current, justRotated, NOW)).toBe(expected);
  });

  it('a current version the secret does not list (a dry run plans from the placeholder) is not cleaned', () => {
    expect(cleanupWanted(cleaning(), plain, version('placeholder', undefined), false, NOW)).toBe(true);
  });

  it("hands the family's rule the facts, without a call", () => {
    seen.length = 0;
    cleanupWanted(ruled, cleaned, current, false, NOW);
    const currentSince = new Date(Date.parse(FRESH.mintedAt) + LEASE);
    const facts = { now: NOW, current: FRESH, justRotated: false, currentSince, cleaned: true, attemptSince: false };
    expect(seen).toEqual([facts]);
  });
});

describe('since when the current version is certainly current (the grace period counts from it)', () => {
  const current = version('v2', FRESH);
  const minted = Date.parse(FRESH.mintedAt) + LEASE;
  /** The record of a promotion of `promotes`, made `ago` before NOW. */
  const record = (promotes: string | undefined, ago: number): ClaimRecord => ({
    claimedAt: at(-ago),
    leaseUntil: at(LEASE - ago),
    basedOnVersionId: 'v1',
    runId: 'run',
    ...(promotes !== undefined ? { promotes } : {}),
  });
  it.each([
    ['no record: its mint time plus the lease', undefined, false, minted],
    [
      'a record of its promotion an hour ago: the end of that lease',
      record('v2', HOUR),
      false,
      NOW.getTime() - HOUR + LEASE,
    ],
    ['a record of the promotion of another version: the mint bound', record('v0', HOUR), false, minted],
    ['a claim that promotes nothing: the mint bound', record(undefined, HOUR), false, minted],
    // A record made before the mint bound (a run resuming at once) never brings the moment forward.
    ['a record older than the mint bound', record('v2', 3 * 24 * HOUR), false, minted],
    ['the run that has just promoted it: now', record('v0', HOUR), true, NOW.getTime()],
  ] as const)('%s', (_, promotion, justRotated, expected) => {
    expect(currentSince(current, promotion, justRotated, NOW)).toEqual(new Date(expected));
  });

  it('is unknown for a version holding no token of this product', () => {
    expect(currentSince(version('v2', undefined), record('v2', HOUR), false, NOW)).toBeUndefined();
  });

  // The grace: an hour. The token minted two days ago; resumed and promoted half an hour ago.
  const grace = cleaning({
    cleanupDue: (_, facts) => facts.currentSince !== undefined && NOW.getTime() - facts.currentSince.getTime() >= HOUR,
  });
  const plain = secret(current, { v2: [STAGES.current] }).description;
  it.each([
    ['without the record (not read yet): wanted, by the mint bound', undefined, true],
    ['with the record: not yet', record('v2', HOUR / 2), false],
    ['with a record of another version: wanted', record('v0', HOUR / 2), true],
    ['with the record, an hour and more after its lease: wanted', record('v2', 2 * HOUR + LEASE), true],
  ] as const)('cleanupWanted %s', (_, promotion, expected) => {
    expect(cleanupWanted(grace, plain, current, false, NOW, promotion)).toBe(expected);
  });
});

describe('promotionMayBeLate (record the promotion before it?)', () => {
  it.each([
    ['just minted (finishSecret right after createSecret)', 10_000, false],
    ['a promotion call could land after the mint bound', LEASE - PROMOTION_CALL_MS + 1, true],
    ['the last moment the mint bound still holds', LEASE - PROMOTION_CALL_MS, false],
    ['hours after the mint (a retried rotation)', 5 * HOUR, true],
  ] as const)('%s', (_, mintedAgo, expected) => {
    expect(promotionMayBeLate(token(mintedAgo), NOW)).toBe(expected);
  });
});

describe('what the bulk read settles (step 1)', () => {
  it.each([
    ['nothing to clean up, not due', subject(), FRESH, {}, { suffices: true, settled: true }],
    ['nothing to clean up, due', subject(), DUE, {}, { suffices: true, settled: false }],
    ['a cleanup wanted, not due: it needs AWSPREVIOUS', cleaning(), FRESH, {}, { suffices: false, settled: false }],
    ['a cleanup wanted, due: the rotation cleans up after', cleaning(), DUE, {}, { suffices: true, settled: false }],
    [
      'a cleanup wanted, due, a dry run: it plans that cleanup',
      cleaning(),
      DUE,
      { dryRun: true },
      { suffices: false, settled: false },
    ],
  ] as const)('%s', (_, rules, stored, options, expected) => {
    const bulk = { ...finished(stored), complete: false };
    const judged = { ...rules, options: { ...rules.options, ...options } };
    expect(bulkReadSuffices(judged, bulk, NOW)).toBe(expected.suffices);
    expect(settled(judged, bulk, NOW)).toBe(expected.settled);
  });
});

/** `rules` with its token paused, as `"paused": true` in the configuration gives it. */
const pausedOf = (rules: Subject): Subject => ({ ...rules, target: { ...rules.target, paused: true } });

describe('a paused token (before step 1)', () => {
  const EXPIRED = token(8 * 24 * HOUR);
  it.each([
    ['a fresh token, a scheduled run', subject(), FRESH, true],
    ['a due token, a scheduled run', subject(), DUE, false],
    ['an expired token, a scheduled run', subject(), EXPIRED, false],
    ['no token yet (the placeholder)', subject(), undefined, false],
    ['a forced manual run', subject({}, { force: true, trigger: 'manual' }), FRESH, false],
    ['a dry run', subject({}, { dryRun: true, trigger: 'manual' }), DUE, false],
    ['a family that would clean up', cleaning(), FRESH, false],
  ] as const)('is left alone, whatever would be due: %s', (_, rules, stored, settledUnpaused) => {
    const bulk = secret(version('v1', stored), { v1: [STAGES.current, STAGES.pending, STAGES.claim] });
    const judged = pausedOf(rules);
    expect(pausedBecause(judged)).toBe('paused');
    // Settled by the bulk read, whatever it showed: a sweep hands it to no work queue, its run makes no call.
    expect(settled(judged, { ...bulk, complete: false }, NOW)).toBe(true);
    expect(settled(judged, undefined, NOW)).toBe(true);
    expect(settled(rules, undefined, NOW)).toBe(false);
    // The same token unpaused is judged as usual: the pause is all that held it.
    expect(pausedBecause(rules)).toBeUndefined();
    expect(settled(rules, { ...bulk, complete: false }, NOW)).toBe(settledUnpaused);
  });

  it.each([
    ['createSecret', 'act', 'refuse'],
    ['setSecret', 'act', 'refuse'],
    // Only Secrets Manager's test of the rotation configuration may pass: a copy of AWSCURRENT (protocol.ts).
    ['testSecret', 'act', 'copy-only'],
    ['finishSecret', 'act', 'refuse'],
  ] as const)("Secrets Manager's %s: %s unpaused, %s paused", (request, unpaused, paused) => {
    expect(pausedStep(subject(), request)).toBe(unpaused);
    expect(pausedStep(pausedOf(subject()), request)).toBe(paused);
  });

  it('is paused by `paused: true` in the configuration, and only by that', () => {
    const parse = (paused: unknown) =>
      parseConfig({
        stores: [{ storeHash: 'abc', credentialsSecret: 'bigcommerce/abc/api-account' }],
        tokens: [{ id: 'headless', store: 'abc', ...PRIVATE_TOKEN, ...(paused === undefined ? {} : { paused }) }],
      }).tokens[0] as Subject['target'];
    expect(pausedBecause({ target: parse(true) })).toBe('paused');
    expect(pausedBecause({ target: parse(false) })).toBeUndefined();
    expect(pausedBecause({ target: parse(undefined) })).toBeUndefined();
    expect('paused' in parse(false)).toBe(false);
  });
});

describe('notStagedBecause (what a pending version must be to be promoted)', () => {
  const current = version('v1', FRESH);
  const newer = token(HOUR);
  it.each([
    ['a token staged after the current one', [STAGES.pending], newer, undefined],
    ['a token minted at the same moment as the current one', [STAGES.pending], { ...FRESH, token: 'other' }, undefined],
    ['once current (AWSPREVIOUS)', [STAGES.pending, STAGES.previous], newer, 'was current before (AWSPREVIOUS)'],
    ['revoked', [STAGES.pending, STAGES.revoked], newer, 'holds a revoked token (BCROTATOR_REVOKED)'],
    ['no token of this product', [STAGES.pending], undefined, 'holds no token this product wrote for headless'],
    ['the current token again', [STAGES.pending], { ...newer, token: FRESH.token }, 'holds the current token again'],
    [
      'a token minted before the current one',
      [STAGES.pending],
      token(3 * 24 * HOUR),
      'holds a token minted before the current one',
    ],
  ] as const)('%s', (_, labels, stored, expected) => {
    const read = secret(current, { v1: [STAGES.current], v2: [...labels] });
    expect(notStagedBecause(read, 'v2', stored, 'headless')).toBe(expected);
  });

  it('a version the secret does not list is judged by its value alone', () => {
    const read = secret(current, { v1: [STAGES.current] });
    expect(notStagedBecause(read, 'v9', newer, 'headless')).toBeUndefined();
    expect(notStagedBecause(read, 'v9', undefined, 'headless')).toBe('holds no token this product wrote for headless');
  });

  it('any token of this product replaces a current version that holds none (the placeholder)', () => {
    const read = secret(version('v1', undefined), { v1: [STAGES.current], v2: [STAGES.pending] });
    expect(notStagedBecause(read, 'v2', token(30 * 24 * HOUR), 'headless')).toBeUndefined();
  });
});

describe('usefulPending (resume what an earlier run staged?)', () => {
  const current = version('v1', DUE);
  const pendingRead = (pending: VersionState | undefined, labels: string[] = [STAGES.pending]) =>
    secret(current, { v1: [STAGES.current], ...(pending ? { [pending.versionId]: labels } : {}) }, { pending });
  it.each([
    ['nothing pending', pendingRead(undefined), false],
    [
      'an empty AWSPENDING version (a Secrets Manager rotation not yet filled)',
      pendingRead(version('v2', undefined)),
      false,
    ],
    [
      'a staged token that was current before',
      pendingRead(version('v2', FRESH), [STAGES.pending, STAGES.previous]),
      false,
    ],
    ['a staged token that is itself due', pendingRead(version('v2', token(5 * 24 * HOUR))), false],
    ['a staged token, not due', pendingRead(version('v2', FRESH)), true],
  ] as const)('%s', (_, read, useful) => {
    expect(usefulPending(subject(), read, NOW)).toEqual(
      useful ? { versionId: 'v2', stored: FRESH, revoked: false } : undefined,
    );
  });
});

describe("Secrets Manager's protocol: createSecret's plan and the version a later step names", () => {
  const current = version('v1', FRESH);
  const scheduled = { nextRotationDate: NOW, arn: 'arn:secret', name: 'n', versions: [] };
  const plain = secret(current, { v1: [STAGES.current] });
  const withEmpty = secret(
    current,
    { v1: [STAGES.current], rsv: [STAGES.pending] },
    { pending: version('rsv', undefined), pendingEmpty: true },
  );
  const fired = (read: SecretState, stored: StoredToken = FRESH): SecretState => ({
    ...read,
    current: version('v1', stored),
    description: { ...read.description, nextRotationDate: scheduled.nextRotationDate },
  });
  const heldByClaim = secret(
    current,
    { v1: [STAGES.current], c1: [STAGES.claim] },
    {
      claim: { claimedAt: at(-1), leaseUntil: at(LEASE), basedOnVersionId: 'v1', runId: 'r' },
    },
  );

  it.each([
    ['a version that holds a value: a repeated step', withEmpty, 'v1', { kind: 'exists' }],
    ['the empty version RotateSecret created', withEmpty, 'rsv', { kind: 'mint' }],
    ['a version id nobody created (the CLI, the console)', plain, 'new', { kind: 'mint' }],
    [
      "Secrets Manager's schedule, the token not due, the version RotateSecret created",
      fired(withEmpty),
      'rsv',
      { kind: 'not-due', reason: expect.stringMatching(/^valid until /), handBack: true },
    ],
    [
      "Secrets Manager's schedule, the token not due, no version created",
      fired(plain),
      'new',
      { kind: 'not-due', reason: expect.stringMatching(/^valid until /), handBack: false },
    ],
    ["Secrets Manager's schedule, the token due", fired(withEmpty, DUE), 'rsv', { kind: 'mint' }],
    ['another invocation holds the claim', heldByClaim, 'new', { kind: 'claimed-elsewhere' }],
  ] as const)('createSecret: %s', (_, read, versionId, expected: Creation) => {
    expect(creation(subject(), read, versionId, NOW)).toEqual(expected);
  });

  it('the next rotation date still ahead is no schedule that fired', () => {
    const ahead = {
      ...fired(plain),
      description: { ...plain.description, nextRotationDate: new Date(NOW.getTime() + 1) },
    };
    expect(scheduledButNotDue(subject(), ahead, NOW)).toBeUndefined();
    expect(scheduledButNotDue(subject(), plain, NOW)).toBeUndefined();
    expect(scheduledButNotDue(subject(), fired(plain, DUE), NOW)).toBeUndefined();
    expect(scheduledButNotDue(subject(), fired(plain), NOW)).toMatch(/^valid until /);
  });

  const staged = secret(current, { v1: [STAGES.current], v2: [STAGES.pending], v0: [STAGES.previous] });
  it.each([
    ['the current version: a retry of a finished rotation', staged, 'v1', { kind: 'current' }],
    ['a version holding AWSPENDING: read it', staged, 'v2', { kind: 'read' }],
    [
      'a version without AWSPENDING',
      staged,
      'v0',
      { kind: 'refused', why: 'version v0 does not hold AWSPENDING: it is not a rotation in progress' },
    ],
    [
      'an unknown version',
      staged,
      'nope',
      {
        kind: 'refused',
        why: `version nope is not a version of ${target.secretName} (no version with this id holds a staging label)`,
      },
    ],
    [
      "an unknown version after Secrets Manager's schedule fired for a token not due",
      fired(staged),
      'nope',
      { kind: 'not-created' },
    ],
  ] as const)('testSecret and finishSecret: %s', (_, read, versionId, expected: NamedVersion) => {
    expect(namedVersion(subject(), read, versionId, NOW)).toEqual(expected);
  });
});
