import { STAGES } from '../../functions/rotation/secret-store';
import { CLAIM_LEASE_MS } from '../../functions/rotation/claim';
import { InvalidEventError } from '../../functions/rotator/event';
import { capturedLogLines, capturedOutput, useRotator } from '../support/rotator';
import { pendingOutsideCurrent } from '../support/stages';

const rotator = useRotator();
const GRAPHQL = '/storefront/store-';

function faults() {
  return rotator().sandbox.bigcommerce.server;
}

/** The next scheduled run comes minutes later, when a staged version can no longer belong to a live run. */
function laterRun(): void {
  rotator().sandbox.clock.advance(CLAIM_LEASE_MS + 60_000);
}

async function stagesOf(tokenId: string): Promise<string[][]> {
  return [...(await rotator().stages(tokenId)).values()];
}

beforeAll(async () => {
  const report = await rotator().invoke({});
  expect(report.summary.rotated).toBe(3);
});

afterEach(() => {
  faults().faults.clear();
  rotator().sandbox.aws.server.faults.clear();
});

describe('verification', () => {
  it('never promotes a token that fails verification; the next run resumes the staged version at once', async () => {
    const h = rotator();
    const before = await h.secret('headless');
    faults().injectFault({ match: { path: GRAPHQL }, fault: { kind: 'status', status: 401 } });
    const failed = await h.invoke({ targets: ['headless'], force: true });
    expect(failed.results[0]).toMatchObject({ outcome: 'failed', step: 'verify', versionId: expect.any(String) });
    expect(failed.results[0]?.reason).toMatch(/answered 401/);
    expect(await h.secret('headless')).toEqual(before);
    const pending = await h.secret('headless', STAGES.pending);
    expect(pending?.token).not.toBe(before!.token);
    const failure = (await h.events()).filter((e) => e.detailType === 'Token Rotation Failed').pop();
    expect(failure?.detail).toMatchObject({
      tokenId: 'headless',
      step: 'verify',
      currentVersionId: failed.results[0]?.versionId,
      currentExpiresAt: before!.expiresAt,
    });

    // The failed run gave up its claim: the next run, minutes or moments later, retries the staged token.
    const resumed = await h.invoke({ targets: ['headless'] });
    expect(resumed.results[0]).toMatchObject({ outcome: 'rotated', resumed: true });
    expect((await h.secret('headless'))!.token).toBe(pending!.token);
    expect(pendingOutsideCurrent(await stagesOf('headless'))).toBe(false);
  });

  it('replaces a staged version that still fails verification', async () => {
    const h = rotator();
    faults().injectFault({ match: { path: GRAPHQL }, fault: { kind: 'status', status: 401 } });
    await h.invoke({ targets: ['impersonation'], force: true });
    const badPending = await h.secret('impersonation', STAGES.pending);
    // The staged token stops working (revoked behind our back): the next forced run must not promote it.
    h.sandbox.bigcommerce.api.storefrontTokens.issued().find((t) => t.token === badPending!.token)!.revokedAt =
      new Date();
    laterRun();
    const report = await h.invoke({ targets: ['impersonation'], force: true });
    expect(report.results[0]).toMatchObject({ outcome: 'rotated' });
    expect(report.results[0]?.resumed).toBeUndefined();
    expect((await h.secret('impersonation'))!.token).not.toBe(badPending!.token);
  });

  it('gives up a staged version that fails verification when nothing is due, and its claim with it', async () => {
    const h = rotator();
    faults().injectFault({ match: { path: GRAPHQL }, fault: { kind: 'status', status: 401 } });
    await h.invoke({ targets: ['headless'], force: true });
    const bad = (await h.secret('headless', STAGES.pending))!;
    h.sandbox.bigcommerce.api.storefrontTokens.issued().find((t) => t.token === bad.token)!.revokedAt = new Date();
    const current = (await h.secret('headless'))!;

    const first = await h.invoke({ targets: ['headless'] });
    expect(first.results[0]).toMatchObject({ outcome: 'skipped' });
    expect(pendingOutsideCurrent(await stagesOf('headless'))).toBe(false);
    faults().clearRequests();
    const second = await h.invoke({ targets: ['headless'] });
    expect(second.results[0]).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^valid until/) });
    // Neither held "in progress" by the first run's claim, nor verifying the bad token again.
    expect(faults().requests()).toHaveLength(0);
    expect(await h.secret('headless')).toEqual(current);
  });
});

describe('BigCommerce faults', () => {
  it('retries 429 and 500 on mint and succeeds', async () => {
    const h = rotator();
    faults().injectFault({ match: { path: 'api-token-private$' }, fault: { kind: 'rate-limit' } });
    faults().injectFault({ match: { path: 'api-token-private$' }, fault: { kind: 'status', status: 500 } });
    faults().clearRequests();
    const report = await h.invoke({ targets: ['headless'], force: true });
    expect(report.results[0]?.outcome).toBe('rotated');
    expect(
      faults()
        .requests((r) => r.path.endsWith('api-token-private'))
        .map((r) => r.status),
    ).toEqual([429, 500, 200]);
  });

  it('does not retry a 403 and says which scope is missing; the old token stays current', async () => {
    const h = rotator();
    const before = await h.secret('browser');
    faults().injectFault({ match: { path: '/api-token$' }, fault: { kind: 'status', status: 403 } });
    faults().clearRequests();
    const report = await h.invoke({ targets: ['browser'], force: true });
    expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint' });
    expect(report.results[0]?.reason).toMatch(/store_storefront_api/);
    expect(faults().requests((r) => r.path.endsWith('/api-token'))).toHaveLength(1);
    expect(await h.secret('browser')).toEqual(before);
  });

  it('gives up on a hung BigCommerce within the retry budget and keeps the old token', async () => {
    const h = rotator();
    const before = await h.secret('headless');
    faults().injectFault({ match: { path: 'api-token-private$' }, fault: { kind: 'malformed-json' }, times: 4 });
    const report = await h.invoke({ targets: ['headless'], force: true });
    expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint' });
    expect(report.results[0]?.reason).toMatch(/not JSON/);
    expect(await h.secret('headless')).toEqual(before);
  });
});

describe('AWS faults', () => {
  it('a failed promotion leaves the old token current and the next run finishes the job', async () => {
    const h = rotator();
    const before = await h.secret('headless');
    h.sandbox.aws.server.injectFault({
      match: { operation: 'UpdateSecretVersionStage' },
      fault: { kind: 'status', status: 500 },
      times: 3,
    });
    const failed = await h.invoke({ targets: ['headless'], force: true });
    expect(failed.results[0]).toMatchObject({ outcome: 'failed', step: 'promote' });
    expect(await h.secret('headless')).toEqual(before);
    laterRun();
    const next = await h.invoke({ targets: ['headless'] });
    expect(next.results[0]).toMatchObject({ outcome: 'rotated', resumed: true });
  });

  it('a missing root-credential secret fails with a message that names it', async () => {
    const h = rotator();
    const name = h.config.stores[0]!.credentialsSecret!;
    const saved = (await h.aws.valueAt(name))!;
    await h.aws.putCurrent(name, 'not json');
    try {
      const handler = h.newInstance();
      const report = await handler({ targets: ['headless'], force: true });
      expect(report.results[0]).toMatchObject({
        outcome: 'failed',
        step: 'credentials',
        error: { step: 'credentials', code: 'CredentialsError', secretName: name },
      });
      expect(report.results[0]?.reason).toContain(name);
      expect(report.results[0]?.reason).toContain('accessToken');
    } finally {
      await h.aws.putCurrent(name, saved);
    }
  });
});

describe('dry run', () => {
  it('plans without minting, writing or announcing', async () => {
    const h = rotator();
    faults().clearRequests();
    h.sandbox.aws.server.clearRequests();
    const events = (await h.events()).length;
    const report = await h.invoke({ dryRun: true, force: true });
    expect(report.dryRun).toBe(true);
    expect(report.results.map((r) => r.outcome)).toEqual(['planned', 'planned', 'planned']);
    expect(faults().requests()).toHaveLength(0);
    const writes = h.sandbox.aws.server.requests((r) =>
      ['PutSecretValue', 'UpdateSecretVersionStage', 'PutEvents'].includes(r.operation ?? ''),
    );
    expect(writes).toHaveLength(0);
    expect(await h.events()).toHaveLength(events);
  });
});

describe('invalid manual events', () => {
  it.each([
    [{ targets: ['nope'] }, /unknown token id "nope"/],
    [{ targets: 'headless' }, /targets must be an array/],
    [{ force: 'yes' }, /force must be true or false/],
    [{ dryrun: true }, /unknown field\(s\) dryrun/],
    [{ targets: ['headless', 'headless'] }, /listed twice/],
    [{ targets: [] }, /at least one token/],
    ['rotate please', /expected object/],
  ])('refuses %j with a clear message and no side effects', async (event, message) => {
    const h = rotator();
    faults().clearRequests();
    h.sandbox.aws.server.clearRequests();
    await expect(h.invoke(event)).rejects.toThrow(InvalidEventError);
    await expect(h.invoke(event)).rejects.toThrow(message);
    expect(faults().requests()).toHaveLength(0);
    expect(h.sandbox.aws.server.requests()).toHaveLength(0);
  });
});

describe('logs', () => {
  it('log exactly one line the failure alarm counts per failed rotation', async () => {
    const before = capturedLogLines().filter((l) => l.message === 'rotation failed').length;
    faults().injectFault({ match: { path: GRAPHQL }, fault: { kind: 'status', status: 401 } });
    const report = await rotator().invoke({ targets: ['impersonation'], force: true });
    expect(report.summary.failed).toBe(1);
    const lines = capturedLogLines().filter((l) => l.message === 'rotation failed');
    expect(lines.length - before).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: 'ERROR', tokenId: 'impersonation', step: 'verify' });
  });

  it('are structured JSON, carry outcomes, and contain no secret', () => {
    const lines = capturedLogLines();
    expect(lines.some((l) => l.message === 'rotation run finished' && typeof l.summary === 'object')).toBe(true);
    expect(lines.some((l) => l.message === 'rotation failed' && l.step === 'verify')).toBe(true);
    const h = rotator();
    const output = capturedOutput();
    const secrets = [
      h.sandbox.store.accessToken,
      ...h.sandbox.bigcommerce.api.storefrontTokens.issued().map((t) => t.token),
    ];
    for (const secret of secrets) expect(output).not.toContain(secret);
  });
});
