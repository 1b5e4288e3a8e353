import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { type MetricBatch, RENEWAL_OVERDUE, TOKEN_PAUSED } from '../../functions/observability/rotation-metrics';
import type { RunReport } from '../../functions/rotation/run';
import { STAGES } from '../../functions/rotation/secret-store';
import { createRotatorHandler } from '../../functions/rotator/handler';
import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import type { RecordedRequest } from '../../sandbox/http';
import { localLambdaContext } from '../../sandbox/lambda-context';
import { runStatus } from '../../scripts/status';
import { type StatusReport, SecretsManagerReader, readStatus, statusTable } from '../../scripts/token-status';
import { auditText } from '../support/audit';
import { awsBackendName } from '../support/aws-backend';
import { secretsManagerClient } from '../support/aws-clients';
import { STORE, useRotator } from '../support/rotator';
import { graphqlWorks } from '../support/sandbox';
import { pendingOutsideCurrent } from '../support/stages';

/**
 * A token paused in the configuration (`"paused": true`): every run leaves it alone, Secrets Manager's rotation
 * steps are refused but for the test of the rotation configuration a deploy runs, and unpausing resumes it. What
 * the function did is counted at the sandbox's endpoints (on moto too: the sandbox relays to it).
 */
const HEADLESS = { id: 'headless', store: STORE, ...PRIVATE_TOKEN }; // 7d, renewed 2d before expiry
const STEADY = { id: 'steady', store: STORE, ...PRIVATE_TOKEN, lifetime: '30d', renewBefore: '7d' };
const configWith = (headless: Record<string, unknown>) => ({
  stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
  tokens: [headless, STEADY],
});
const UNPAUSED = configWith(HEADLESS);
const PAUSED = configWith({ ...HEADLESS, paused: true });

const rotator = useRotator(UNPAUSED);
const DAY = 86_400_000;
/** What may change AWS state; anything else the function sends is a read. */
const AWS_WRITES = /^(Put|Update|Create|Delete|Tag|Untag|Restore|Rotate|Cancel|Send|Remove)/;
const DIR = mkdtempSync(path.join(os.tmpdir(), 'bctr-paused-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** The function as deployed with `config` (a new configuration is a new container); its metrics go to `metrics`. */
let deployed: (event: unknown) => Promise<unknown>;
const metrics: MetricBatch[][] = [];
function deploy(config: Record<string, unknown>): void {
  const h = rotator();
  const handler = createRotatorHandler('storefront', {
    clock: h.sandbox.clock,
    env: { ...process.env, ROTATOR_CONFIG: JSON.stringify(config) },
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxRateLimitWaitMs: 200 },
    metrics: { emit: (batches) => metrics.push([...batches]) },
  });
  deployed = async (event) => {
    try {
      const answer = await handler(event, localLambdaContext('storefront-rotator') as Context);
      auditText('response', JSON.stringify(answer));
      return answer;
    } catch (error) {
      auditText('error', `${(error as Error).name}: ${(error as Error).message}`);
      throw error;
    }
  };
}
const run = async (event: unknown = {}) => (await deployed(event)) as RunReport;

/**
 * What the function asked of AWS and BigCommerce since `clearCalls`: every call but the test's own RotateSecret
 * and those naming another secret (the other token's, when a backend has it read its own).
 */
function calls(): { aws: string[]; bigcommerce: RecordedRequest[] } {
  const h = rotator();
  const name = secretName();
  const aboutPaused = (r: RecordedRequest) => {
    const id = (r.body as { SecretId?: string } | undefined)?.SecretId;
    return id === undefined || id === name || id.includes(`:secret:${name}-`);
  };
  const aws = h.sandbox.aws.server.requests(aboutPaused).map((r) => r.operation ?? `${r.method} ${r.path}`);
  return { aws: aws.filter((op) => op !== 'RotateSecret'), bigcommerce: h.sandbox.bigcommerce.server.requests() };
}
function clearCalls(): void {
  rotator().sandbox.aws.server.clearRequests();
  rotator().sandbox.bigcommerce.server.clearRequests();
}

/** Every version of the paused token's secret with its labels, and the value in AWSCURRENT. */
async function secretState(): Promise<{ labels: Map<string, string[]>; current: unknown }> {
  return { labels: await rotator().stages('headless'), current: await rotator().secret('headless') };
}

const secretName = () => rotator().config.tokens.find((t) => t.id === 'headless')?.secretName as string;
const step = (Step: string, ClientRequestToken: string) =>
  deployed({ Step, SecretId: secretName(), ClientRequestToken });

let functionArn: string;
beforeAll(async () => {
  const h = rotator();
  expect((await h.invoke({})).summary.rotated).toBe(2);
  functionArn = await h.aws.registerRotationFunction('storefront-rotator', (event) => deployed(event));
  deploy(PAUSED);
});

describe('a paused token', () => {
  it("passes Secrets Manager's test of the rotation configuration, as a deploy runs it, and changes nothing", async () => {
    const h = rotator();
    const before = await secretState();
    const events = (await h.events()).length;
    clearCalls();
    const configured = await h.aws.rotateSecret({
      SecretId: secretName(),
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    });
    expect(configured).toMatchObject({ succeeded: true, steps: [{ step: 'testSecret' }] });
    const { aws, bigcommerce } = calls();
    expect(aws.filter((op) => AWS_WRITES.test(op))).toEqual([]);
    expect(bigcommerce).toEqual([]);
    const after = await secretState();
    expect(after.current).toEqual(before.current);
    expect(pendingOutsideCurrent(after.labels.values())).toBe(false);
    expect((await h.events()).length).toBe(events);
  });

  it('is skipped by every run, forced and dry ones too, with no BigCommerce call and no AWS call but the bulk read', async () => {
    const h = rotator();
    // Past its expiry (7d): due, and overdue, were it not paused. The other token (30d) is not due.
    h.sandbox.clock.advance(8 * DAY);
    const before = await secretState();
    const events = (await h.events()).length;
    metrics.length = 0;
    clearCalls();
    const sweep = await run({});
    const forced = await run({ targets: ['headless'], force: true });
    const dry = await run({ targets: ['headless'], dryRun: true });
    const current = [...before.labels].find(([, labels]) => labels.includes(STAGES.current))?.[0];
    // AWSCURRENT as the bulk read returned it, as the API reference has BatchGetSecretValue answer; moto answers
    // the version current before the last staged promotion (jest.moto.config.js), which a result leaves out.
    const told = awsBackendName() === 'sandbox' ? { versionId: current } : { versionId: undefined };
    for (const report of [sweep, forced, dry]) {
      const result = report.results.find((r) => r.tokenId === 'headless');
      expect(result).toMatchObject({ outcome: 'skipped', reason: 'paused', ...told });
      if (told.versionId) expect(Date.parse(result?.expiresAt as string)).toBeLessThan(h.sandbox.clock.now().getTime());
    }
    expect(sweep.results.find((r) => r.tokenId === 'steady')).toMatchObject({ outcome: 'skipped' });
    const { aws, bigcommerce } = calls();
    expect(aws).toEqual(['BatchGetSecretValue', 'BatchGetSecretValue', 'BatchGetSecretValue']);
    expect(bigcommerce).toEqual([]);
    expect(await secretState()).toEqual(before);
    expect((await h.events()).length).toBe(events);
    // The sweep judged every token: none overdue, the paused one reported as paused rather than by its life.
    const [perFunction, ...perToken] = metrics[0] as MetricBatch[];
    expect(perFunction?.metrics).toContainEqual({ name: RENEWAL_OVERDUE, unit: 'Count', value: 0 });
    const headless = perToken.filter((b) => b.dimensions.TokenId === 'headless');
    expect(headless.map((b) => b.metrics)).toEqual([[{ name: TOKEN_PAUSED, unit: 'Count', value: 1 }]]);
  });

  it('shows as paused in `npm run status`, its expired token named', async () => {
    const file = path.join(DIR, 'paused.config.json');
    writeFileSync(file, JSON.stringify(PAUSED));
    const status = async (...args: string[]) => {
      let out = '';
      const code = await runStatus(['--config', file, ...args], (text) => {
        out += `${text}\n`;
      });
      auditText('npm run status output', out);
      return { code, out };
    };
    const json = await status('--json');
    expect(json.code).toBe(0);
    const tokens = (JSON.parse(json.out) as StatusReport).tokens;
    expect(tokens.find((t) => t.tokenId === 'headless')).toMatchObject({
      paused: true,
      next: { due: false, at: null, reason: 'paused' },
      current: { holds: 'token' },
    });
    expect(tokens.find((t) => t.tokenId === 'steady')).not.toHaveProperty('paused');
    const table = await status();
    expect(table.out).toMatch(/^2 tokens at .*: 2 rotated, 1 paused;/);
    expect(table.out).toMatch(/\nheadless +storefront-private +teststore1 +\S+ +.+ +paused +rotated\n/);
    expect(table.out).toContain(
      '\nheadless: paused: runs leave it alone until "paused" is removed from its configuration\n',
    );
    // At the sandbox's time (the command reads the system clock): the token it left alone has expired.
    const client = secretsManagerClient(rotator().sandbox);
    const config = rotator().config;
    const paused = config.tokens.map((t) => (t.id === 'headless' ? { ...t, paused: true as const } : t));
    const now = rotator().sandbox.clock.now();
    const report = await readStatus(new SecretsManagerReader(client), paused, config.secretNamePrefix, now);
    client.destroy();
    expect(statusTable(report)).toMatch(/\nheadless: paused: runs leave it alone .*; its token\s+expired 1d\d\dh ago$/);
  });

  it("refuses Secrets Manager's rotation steps, and RotateSecret itself, before any call; nothing changes", async () => {
    const h = rotator();
    const before = await secretState();
    const current = [...before.labels].find(([, labels]) => labels.includes(STAGES.current))?.[0] as string;
    clearCalls();
    const version = randomUUID();
    for (const name of ['createSecret', 'setSecret', 'finishSecret']) {
      await expect(step(name, version)).rejects.toThrow(
        `headless: ${name} refused: the token is paused ("paused": true in the configuration; remove it and deploy to rotate again); nothing was changed`,
      );
    }
    // testSecret of anything but a copy of AWSCURRENT (the configuration test): refused after reading.
    await expect(step('testSecret', current)).rejects.toThrow('headless: testSecret refused: the token is paused');
    const rotation = await h.aws.rotateSecret({ SecretId: secretName() });
    expect(rotation).toMatchObject({ succeeded: false, steps: [{ step: 'createSecret' }] });
    expect(rotation.steps[0]?.error).toMatch(/^ProtocolStepError: headless: createSecret refused: the token is paused/);
    const { aws, bigcommerce } = calls();
    expect(aws.filter((op) => AWS_WRITES.test(op))).toEqual([]);
    expect(bigcommerce).toEqual([]);
    const after = await secretState();
    expect(after.current).toEqual(before.current);
    // Secrets Manager's own version for its rotation stays, empty, as after any failed createSecret.
    expect([...after.labels.keys()].filter((id) => !before.labels.has(id))).toEqual([rotation.versionId]);
  });

  it('is rotated by the next run once unpaused, though it expired while paused', async () => {
    const h = rotator();
    const before = (await h.secret('headless')) as { token: string };
    deploy(UNPAUSED);
    clearCalls();
    const report = await run({});
    expect(report.results.find((r) => r.tokenId === 'headless')).toMatchObject({
      outcome: 'rotated',
      reason: expect.stringMatching(/^expired at /),
    });
    expect(report.results.find((r) => r.tokenId === 'steady')).toMatchObject({ outcome: 'skipped' });
    const after = (await h.secret('headless')) as { token: string; expiresAt: string };
    expect(after.token).not.toBe(before.token);
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(h.sandbox.clock.now().getTime() + 6 * DAY);
    expect(await graphqlWorks(h.sandbox, STORE, after.token)).toBe(true);
    expect(pendingOutsideCurrent((await h.stages('headless')).values())).toBe(false);
    expect(calls().bigcommerce.filter((r) => r.path.endsWith('api-token-private'))).toHaveLength(1);
  });
});
