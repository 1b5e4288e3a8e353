import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import type { FaultRule } from '../../sandbox';
import type { ManagedToken, RotatorKind } from '../../functions/config/types';
import { ownershipName } from '../../functions/families/b2b-ownership';
import { CLAIM_LEASE_MS } from '../../functions/rotation/claim';
import { printThrough } from '../support/output-capture';
import { STORE, STORE_WITH_B2B, type RotatorHarness, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

/**
 * For each family: every BigCommerce and AWS call the rotation makes gets each fault (500, 429 or
 * throttling, a hang past the timeout, malformed JSON), and the run is made to die after each step
 * (the call takes effect, its answer is lost). After every request either server handles, AWSCURRENT
 * must hold a token the sandbox accepts; after the faults clear, the next normal run must heal it.
 */
const MANY = 20;
const GRAPHQL = '^/storefront/store-';
const tally = { cases: 0, healed: 0, invalid: 0 };

interface FamilyUnderTest {
  name: string;
  kind: RotatorKind;
  token: Record<string, unknown>;
  mint: { method: string; path: string };
  verify?: { method: string; path: string };
  cleanup?: { method: string; path: string };
  /**
   * How long after a rotation its cleanup is due, when not in the rotating run itself (storefront: the claim
   * lease plus the grace period, counted from the new token's mint); the cleanup cases then run that late.
   */
  cleanupDueAfterMs?: number;
}

const STOREFRONT_CLEANUP_DUE_AFTER_MS = CLAIM_LEASE_MS + 5 * 60_000;

const families: FamilyUnderTest[] = [
  {
    name: 'storefront-private',
    kind: 'storefront',
    token: {
      ...PRIVATE_TOKEN,
      revokeSuperseded: { gracePeriod: '5m' },
    },
    mint: { method: 'POST', path: 'api-token-private$' },
    verify: { method: 'POST', path: GRAPHQL },
    cleanup: { method: 'DELETE', path: '/api-token$' },
    cleanupDueAfterMs: STOREFRONT_CLEANUP_DUE_AFTER_MS,
  },
  {
    name: 'storefront',
    kind: 'storefront',
    token: {
      family: 'storefront',
      channelId: 1,
      allowedCorsOrigins: ['https://shop.example.com'],
      lifetime: '30d',
      renewBefore: '7d',
      revokeSuperseded: { gracePeriod: '5m' },
    },
    mint: { method: 'POST', path: '/api-token$' },
    verify: { method: 'POST', path: GRAPHQL },
    cleanup: { method: 'DELETE', path: '/api-token$' },
    cleanupDueAfterMs: STOREFRONT_CLEANUP_DUE_AFTER_MS,
  },
  {
    name: 'customer-impersonation',
    kind: 'storefront',
    token: { family: 'customer-impersonation', channelIds: [1], lifetime: '1d', renewBefore: '6h' },
    mint: { method: 'POST', path: 'customer-impersonation$' },
    verify: { method: 'POST', path: GRAPHQL },
  },
  {
    name: 'stored-instruments',
    kind: 'payments',
    token: { family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
    mint: { method: 'POST', path: 'access-tokens$' },
  },
  {
    name: 'b2b-backend',
    kind: 'b2b',
    token: { family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
    mint: { method: 'POST', path: '/auth/backend$' },
    verify: { method: 'GET', path: '/backend/tokens$' },
    cleanup: { method: 'DELETE', path: '/auth/backend$' },
  },
];

/** A fault for one of the sandbox's servers. */
interface Injection {
  server: 'bigcommerce' | 'aws';
  rule: FaultRule;
}

/** A case fails unless every one of its faults fired: a matcher that hits nothing would count as healed. */
interface FaultCase {
  name: string;
  faults: Injection[];
  /** The faults hit the cleanup, which may run in a run of its own (cleanupDueAfterMs). */
  cleanup?: boolean;
}

type Timing = Pick<FaultRule, 'phase' | 'times' | 'skip'>;

function casesFor(family: FamilyUnderTest): FaultCase[] {
  const bc = (call: { method: string; path: string }, fault: FaultRule['fault'], timing: Timing = {}): Injection => ({
    server: 'bigcommerce',
    rule: { match: call, fault, times: MANY, ...timing },
  });
  const aws = (operation: string, fault: FaultRule['fault'], timing: Timing = {}): Injection => ({
    server: 'aws',
    rule: { match: { operation }, fault, times: MANY, ...timing },
  });
  const status = (code: number): FaultRule['fault'] => ({ kind: 'status', status: code });
  // A run reads every token's AWSCURRENT in bulk; only when that fails does each token read its own secret.
  const bulkReadFails = aws('BatchGetSecretValue', status(500));
  // The claim is the run's first PutSecretValue, the staged token its second.
  const stage: Timing = { skip: 1 };
  const cases: FaultCase[] = [
    { name: 'BigCommerce 500 on mint', faults: [bc(family.mint, status(500))] },
    { name: 'BigCommerce 500 once on mint (retried)', faults: [bc(family.mint, status(500), { times: 1 })] },
    { name: 'BigCommerce 429 on mint', faults: [bc(family.mint, { kind: 'rate-limit' })] },
    { name: 'BigCommerce hangs on mint', faults: [bc(family.mint, { kind: 'hang' })] },
    { name: 'BigCommerce malformed JSON on mint', faults: [bc(family.mint, { kind: 'malformed-json' })] },
    { name: 'dies after mint', faults: [bc(family.mint, { kind: 'drop' }, { phase: 'after' })] },
    { name: 'Secrets Manager 500 on the bulk read', faults: [bulkReadFails] },
    {
      name: 'Secrets Manager throttling on the bulk read',
      faults: [aws('BatchGetSecretValue', { kind: 'rate-limit' })],
    },
    { name: 'Secrets Manager hangs on the bulk read', faults: [aws('BatchGetSecretValue', { kind: 'hang' })] },
    { name: 'Secrets Manager 500 on read', faults: [bulkReadFails, aws('DescribeSecret', status(500))] },
    {
      name: 'Secrets Manager throttling on read',
      faults: [bulkReadFails, aws('GetSecretValue', { kind: 'rate-limit' })],
    },
    {
      name: 'Secrets Manager malformed JSON on read',
      faults: [bulkReadFails, aws('DescribeSecret', { kind: 'malformed-json' })],
    },
    { name: 'Secrets Manager hangs on read', faults: [bulkReadFails, aws('GetSecretValue', { kind: 'hang' })] },
    { name: 'Secrets Manager throttling on claim', faults: [aws('PutSecretValue', { kind: 'rate-limit' })] },
    { name: 'dies after claim', faults: [aws('PutSecretValue', { kind: 'drop' }, { phase: 'after' })] },
    { name: 'Secrets Manager throttling on stage', faults: [aws('PutSecretValue', { kind: 'rate-limit' }, stage)] },
    { name: 'dies after stage', faults: [aws('PutSecretValue', { kind: 'drop' }, { ...stage, phase: 'after' })] },
    { name: 'dies after verify (promote refused)', faults: [aws('UpdateSecretVersionStage', status(500))] },
    { name: 'Secrets Manager hangs on promote', faults: [aws('UpdateSecretVersionStage', { kind: 'hang' })] },
    {
      name: 'dies after promote',
      faults: [aws('UpdateSecretVersionStage', { kind: 'drop' }, { phase: 'after' })],
    },
    { name: 'EventBridge 500 on announce', faults: [aws('PutEvents', status(500))] },
    { name: 'dies after announce', faults: [aws('PutEvents', { kind: 'drop' }, { phase: 'after' })] },
  ];
  if (family.verify) {
    cases.push(
      { name: 'BigCommerce 500 on verify', faults: [bc(family.verify, status(500))] },
      { name: 'BigCommerce 401 on verify', faults: [bc(family.verify, status(401))] },
      { name: 'BigCommerce hangs on verify', faults: [bc(family.verify, { kind: 'hang' })] },
      { name: 'BigCommerce malformed JSON on verify', faults: [bc(family.verify, { kind: 'malformed-json' })] },
    );
  }
  if (family.cleanup) {
    cases.push(
      { name: 'BigCommerce 500 on cleanup', faults: [bc(family.cleanup, status(500))], cleanup: true },
      {
        name: 'dies after cleanup',
        faults: [bc(family.cleanup, { kind: 'drop' }, { phase: 'after' })],
        cleanup: true,
      },
    );
  }
  return cases;
}

/** Whether the sandbox accepts the token in AWSCURRENT right now. */
async function currentIsAccepted(h: RotatorHarness, token: ManagedToken): Promise<boolean> {
  const value = await h.secret(token.id);
  if (!value) return false;
  const bigcommerce = h.sandbox.bigcommerce.api;
  switch (token.family) {
    case 'storefront-private':
    case 'customer-impersonation':
      return bigcommerce.storefrontTokens.authorizeGraphql(value.token, STORE, token.channelIds[0]!, undefined).ok;
    case 'storefront':
      return bigcommerce.storefrontTokens.authorizeGraphql(
        value.token,
        STORE,
        token.channelIds[0]!,
        token.allowedCorsOrigins[0],
      ).ok;
    case 'stored-instruments':
      return bigcommerce.storedInstrumentTokens.isValid(value.token, STORE);
    case 'b2b-backend':
      return bigcommerce.b2b.isLive(value.token);
  }
}

/** Moves the clock to just inside the token's renewal window (or past its rotation period). */
async function makeDue(h: RotatorHarness, token: ManagedToken): Promise<void> {
  const current = (await h.secret(token.id))!;
  const dueAt =
    token.family === 'b2b-backend'
      ? Date.parse(current.mintedAt) + token.rotationPeriodSeconds * 1000
      : Date.parse(current.expiresAt) - token.renewBeforeSeconds * 1000;
  h.sandbox.clock.set(dueAt + 60_000);
}

describe.each(families)('fault matrix: $name', (family) => {
  const rotator = useRotator(
    {
      stores: [STORE_WITH_B2B],
      tokens: [{ id: 'under-test', store: STORE, ...family.token }],
    },
    { retry: { timeoutMs: 150 }, aws: { requestTimeoutMs: 150 } },
  );
  let token: ManagedToken;
  let violations: string[] = [];
  /** Checks started by the observers; AWS state may only be readable asynchronously. */
  let checks: Promise<void>[] = [];
  let caseName = '';

  beforeAll(async () => {
    const h = rotator();
    token = h.config.tokens[0]!;
    const first = await h.invoke({}, family.kind);
    expect(first.results[0]?.outcome).toBe('rotated');
    // Returned to the server, which holds the answer until the check is done: state read over the network
    // (moto) is then still the state after this request.
    const check = () => {
      const name = caseName;
      const done = currentIsAccepted(h, token).then((accepted) => {
        if (!accepted) violations.push(name);
      });
      checks.push(done);
      return done;
    };
    h.sandbox.aws.server.observe(check);
    h.sandbox.bigcommerce.server.observe(check);
  });

  it.each(casesFor(family))('$name', async (faultCase) => {
    const h = rotator();
    caseName = faultCase.name;
    violations = [];
    checks = [];
    tally.cases += 1;
    await makeDue(h, token);
    if (faultCase.cleanup && family.cleanupDueAfterMs !== undefined) {
      // A rotation first; its superseded token is revoked in a later run, the one under test.
      expect((await h.invoke({}, family.kind)).results[0]?.outcome).toBe('rotated');
      h.sandbox.clock.advance(family.cleanupDueAfterMs);
    }
    if (family.name === 'b2b-backend') {
      // A stale token of ours for the cleanup to find.
      h.sandbox.bigcommerce.api.b2b.addToken({
        storeHash: STORE,
        email: 'x@example.com',
        name: ownershipName(h.owner, 'under-test', new Date(h.sandbox.clock.nowMs() - 2 * 3_600_000)),
      });
    }
    const injected = faultCase.faults.map(({ server, rule }) => h.sandbox[server].server.injectFault(rule));

    const faulted = await h.invoke({}, family.kind);
    h.sandbox.bigcommerce.server.faults.clear();
    h.sandbox.aws.server.faults.clear();
    const result = faulted.results[0];
    const silent = faultCase.faults
      .filter((_, i) => injected[i]?.fired === 0)
      .map(({ rule }) => `${JSON.stringify(rule.match)} hit nothing; the run: ${result?.outcome} (${result?.reason})`);
    expect(silent).toEqual([]);
    expect(await currentIsAccepted(h, token)).toBe(true);

    // The next scheduled run, minutes later.
    h.sandbox.clock.advance(CLAIM_LEASE_MS + 60_000);
    const healing = await h.invoke({}, family.kind);
    expect(healing.results[0]?.outcome).not.toBe('failed');
    expect(pendingOutsideCurrent((await h.stages(token.id)).values())).toBe(false);
    expect(await currentIsAccepted(h, token)).toBe(true);
    const again = await h.invoke({}, family.kind);
    expect(again.results[0]?.outcome === 'skipped' || again.results[0]?.outcome === 'revoked').toBe(true);
    await Promise.all(checks);
    expect(violations).toEqual([]);
    tally.healed += 1;
  });

  afterAll(() => {
    tally.invalid += new Set(violations).size;
  });
});

afterAll(() => {
  printThrough(
    `fault matrix: ${tally.cases} cases, ${tally.healed} healed, ${tally.invalid} without a valid current token\n`,
  );
});
