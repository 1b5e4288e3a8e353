import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import type { FaultRule } from '../../sandbox';
import type { ManagedToken, RotatorKind } from '../../functions/config/types';
import { ownershipName } from '../../functions/families/b2b-backend';
import { CLAIM_LEASE_MS } from '../../functions/rotation/claim';
import { printThrough } from '../support/output-capture';
import { STORE, type RotatorHarness, useRotator } from '../support/rotator';
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
}

const families: FamilyUnderTest[] = [
  {
    name: 'storefront-private',
    kind: 'storefront',
    token: {
      ...PRIVATE_TOKEN,
      revokeSuperseded: { gracePeriod: '0s' },
    },
    mint: { method: 'POST', path: 'api-token-private$' },
    verify: { method: 'POST', path: GRAPHQL },
    cleanup: { method: 'DELETE', path: '/api-token$' },
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
      revokeSuperseded: { gracePeriod: '0s' },
    },
    mint: { method: 'POST', path: '/api-token$' },
    verify: { method: 'POST', path: GRAPHQL },
    cleanup: { method: 'DELETE', path: '/api-token$' },
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

interface FaultCase {
  name: string;
  bigcommerce?: FaultRule;
  aws?: FaultRule;
}

function casesFor(family: FamilyUnderTest): FaultCase[] {
  const bc = (
    call: { method: string; path: string },
    fault: FaultRule['fault'],
    phase: FaultRule['phase'] = 'before',
    times = MANY,
  ): FaultRule => ({ match: call, fault, phase, times });
  const aws = (
    operation: string,
    fault: FaultRule['fault'],
    phase: FaultRule['phase'] = 'before',
    times = MANY,
  ): FaultRule => ({ match: { operation }, fault, phase, times });
  const cases: FaultCase[] = [
    { name: 'BigCommerce 500 on mint', bigcommerce: bc(family.mint, { kind: 'status', status: 500 }) },
    {
      name: 'BigCommerce 500 once on mint (retried)',
      bigcommerce: bc(family.mint, { kind: 'status', status: 500 }, 'before', 1),
    },
    { name: 'BigCommerce 429 on mint', bigcommerce: bc(family.mint, { kind: 'rate-limit' }) },
    { name: 'BigCommerce hangs on mint', bigcommerce: bc(family.mint, { kind: 'hang' }) },
    { name: 'BigCommerce malformed JSON on mint', bigcommerce: bc(family.mint, { kind: 'malformed-json' }) },
    { name: 'dies after mint', bigcommerce: bc(family.mint, { kind: 'drop' }, 'after') },
    { name: 'Secrets Manager 500 on read', aws: aws('DescribeSecret', { kind: 'status', status: 500 }) },
    { name: 'Secrets Manager throttling on read', aws: aws('GetSecretValue', { kind: 'rate-limit' }) },
    { name: 'Secrets Manager malformed JSON on read', aws: aws('DescribeSecret', { kind: 'malformed-json' }) },
    { name: 'Secrets Manager hangs on read', aws: aws('GetSecretValue', { kind: 'hang' }) },
    { name: 'Secrets Manager throttling on stage', aws: aws('PutSecretValue', { kind: 'rate-limit' }) },
    { name: 'dies after stage', aws: aws('PutSecretValue', { kind: 'drop' }, 'after') },
    {
      name: 'dies after verify (promote refused)',
      aws: aws('UpdateSecretVersionStage', { kind: 'status', status: 500 }),
    },
    { name: 'Secrets Manager hangs on promote', aws: aws('UpdateSecretVersionStage', { kind: 'hang' }) },
    { name: 'dies after promote', aws: aws('UpdateSecretVersionStage', { kind: 'drop' }, 'after') },
    { name: 'EventBridge 500 on announce', aws: aws('PutEvents', { kind: 'status', status: 500 }) },
    { name: 'dies after announce', aws: aws('PutEvents', { kind: 'drop' }, 'after') },
  ];
  if (family.verify) {
    cases.push(
      { name: 'BigCommerce 500 on verify', bigcommerce: bc(family.verify, { kind: 'status', status: 500 }) },
      { name: 'BigCommerce 401 on verify', bigcommerce: bc(family.verify, { kind: 'status', status: 401 }) },
      { name: 'BigCommerce hangs on verify', bigcommerce: bc(family.verify, { kind: 'hang' }) },
      { name: 'BigCommerce malformed JSON on verify', bigcommerce: bc(family.verify, { kind: 'malformed-json' }) },
    );
  }
  if (family.cleanup) {
    cases.push(
      { name: 'BigCommerce 500 on cleanup', bigcommerce: bc(family.cleanup, { kind: 'status', status: 500 }) },
      { name: 'dies after cleanup', bigcommerce: bc(family.cleanup, { kind: 'drop' }, 'after') },
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
      stores: [
        {
          storeHash: STORE,
          credentialsSecret: `bigcommerce/${STORE}/api-account`,
          b2bCredentialsSecret: `bigcommerce/${STORE}/b2b-user`,
        },
      ],
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
    if (family.name === 'b2b-backend') {
      // A stale token of ours for the cleanup to find.
      h.sandbox.bigcommerce.api.b2b.addToken({
        storeHash: STORE,
        email: 'x@example.com',
        name: ownershipName('under-test', new Date(h.sandbox.clock.nowMs() - 2 * 3_600_000)),
      });
    }
    if (faultCase.bigcommerce) h.sandbox.bigcommerce.server.injectFault(faultCase.bigcommerce);
    if (faultCase.aws) h.sandbox.aws.server.injectFault(faultCase.aws);

    await h.invoke({}, family.kind);
    h.sandbox.bigcommerce.server.faults.clear();
    h.sandbox.aws.server.faults.clear();
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
