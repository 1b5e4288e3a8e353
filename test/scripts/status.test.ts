import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STAGES } from '../../functions/rotation/secret-store';
import { CLAIM_LEASE_MS, claimValue } from '../../functions/rotation/claim';
import { runStatus } from '../../scripts/status';
import { type StatusReport, type TokenStatus, TABLE_WIDTH, statusTable } from '../../scripts/token-status';
import { auditText } from '../support/audit';
import { storefrontConfig, useRotator } from '../support/rotator';
import { issuedSecrets } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '../..');
const DIR = mkdtempSync(path.join(os.tmpdir(), 'bctr-status-'));
const CONFIG_FILE = path.join(DIR, 'rotator.config.json');
writeFileSync(CONFIG_FILE, JSON.stringify(storefrontConfig()));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const rotator = useRotator();
const READS = ['ListSecrets', 'DescribeSecret', 'GetSecretValue', 'BatchGetSecretValue'];
/** Every AWS operation and every line the command produced in this file, for the read-only and no-token checks. */
const operations: string[] = [];
const outputs: string[] = [];

/** Records what a status run asked AWS and printed, for the read-only and no-token checks. */
function recorded(stdout: string, stderr: string): void {
  operations.push(
    ...rotator()
      .sandbox.aws.server.requests()
      .map((r) => r.operation ?? `${r.method} ${r.path}`),
  );
  outputs.push(stdout, stderr);
  auditText('npm run status output', `${stdout}\n${stderr}`);
}

/** `npm run status` in this process (the sandbox's AWS endpoint is in the environment). */
async function status(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  rotator().sandbox.aws.server.clearRequests();
  let stdout = '';
  let stderr = '';
  const code = await runStatus(
    args,
    (text) => {
      stdout += `${text}\n`;
    },
    (text) => {
      stderr += `${text}\n`;
    },
  );
  recorded(stdout, stderr);
  return { code, stdout, stderr };
}

/** `npm run status` as its own process, as an operator runs it. Asynchronous: the sandbox answers from here. */
async function command(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const h = rotator();
  h.sandbox.aws.server.clearRequests();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/status.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...h.sandbox.environment() },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  recorded(stdout, stderr);
  return { code, stdout, stderr };
}

async function report(): Promise<Map<string, TokenStatus>> {
  const { code, stdout, stderr } = await status('--config', CONFIG_FILE, '--json');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return new Map((JSON.parse(stdout) as StatusReport).tokens.map((t) => [t.tokenId, t]));
}

describe('npm run status', () => {
  it('shows the placeholder: never rotated, due now, nothing pending, no claim', async () => {
    const tokens = await report();
    expect([...tokens.keys()]).toEqual(['headless', 'browser', 'impersonation']);
    expect(tokens.get('headless')).toEqual({
      tokenId: 'headless',
      family: 'storefront-private',
      storeHash: 'teststore1',
      secretName: 'bigcommerce/teststore1/headless',
      current: { versionId: expect.any(String), holds: 'placeholder', mintedAt: null, expiresAt: null },
      next: { due: true, at: null, reason: 'the secret holds no token written by this rotator' },
      claim: { state: 'free' },
      last: { outcome: 'never rotated', at: null },
    });
  }, 60_000);

  it('after a rotation, shows the version, mint, expiry and next due the rotator reported', async () => {
    const h = rotator();
    const run = await h.invoke({});
    expect(run.summary.rotated).toBe(3);
    const tokens = await report();
    for (const result of run.results) {
      const stored = await h.secret(result.tokenId);
      expect(tokens.get(result.tokenId)).toMatchObject({
        current: {
          versionId: result.versionId,
          holds: 'token',
          mintedAt: stored?.mintedAt,
          expiresAt: result.expiresAt,
        },
        next: { due: false, at: result.nextDueAt },
        claim: { state: 'free' },
        last: { outcome: 'rotated', at: stored?.mintedAt },
      });
      expect(tokens.get(result.tokenId)?.pending).toBeUndefined();
    }
  }, 60_000);

  it('reads the current versions in bulk: one listing and one BatchGetSecretValue for three settled tokens', async () => {
    await report();
    const calls = rotator()
      .sandbox.aws.server.requests()
      .map((r) => r.operation);
    expect(calls).toEqual(['ListSecrets', 'BatchGetSecretValue']);
  }, 60_000);

  it('after a failed verification, shows the staged version, the released claim and the failed attempt', async () => {
    const h = rotator();
    const before = await h.secret('headless');
    h.sandbox.bigcommerce.server.injectFault({
      match: { path: '/storefront/store-' },
      fault: { kind: 'status', status: 401 },
    });
    const failed = await h.invoke({ targets: ['headless'], force: true });
    expect(failed.results[0]).toMatchObject({ outcome: 'failed', step: 'verify' });
    const stages = await h.stages('headless');
    const pendingId = [...stages].find(([, s]) => s.includes(STAGES.pending) && !s.includes(STAGES.current))?.[0];
    expect(stages.get(pendingId as string)).toEqual(expect.arrayContaining([STAGES.claim, STAGES.released]));

    const headless = (await report()).get('headless');
    expect(headless).toMatchObject({
      current: { versionId: failed.results[0]?.versionId, holds: 'token', mintedAt: before?.mintedAt },
      pending: { versionId: pendingId, holds: 'token', mintedAt: expect.any(String) },
      claim: { state: 'released', versionId: pendingId },
      last: { outcome: 'failed', at: headless?.pending?.mintedAt },
    });
    expect(Date.parse(headless?.last?.at as string)).toBeGreaterThan(Date.parse(before?.mintedAt));

    const { code, stdout } = await command('--config', CONFIG_FILE);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.find((l) => l.startsWith('headless '))).toMatch(/ failed$/);
    expect(lines.find((l) => l.startsWith('browser '))).toMatch(/ rotated$/);
    expect(stdout).toContain(`headless: unfinished rotation: AWSPENDING is on version ${pendingId}`);
    expect(stdout).toContain('headless: the last attempt failed');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(TABLE_WIDTH);
  }, 60_000);

  it('shows a claim another run holds, and until when', async () => {
    const h = rotator();
    const token = h.config.tokens.find((t) => t.id === 'browser');
    const current = [...(await h.stages('browser'))].find(([, s]) => s.includes(STAGES.current))?.[0] as string;
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS).toISOString();
    const client = new SecretsManagerClient({});
    await client.send(
      new PutSecretValueCommand({
        SecretId: token?.secretName,
        ClientRequestToken: '00000000-0000-4000-8000-000000000001',
        SecretString: claimValue(token as NonNullable<typeof token>, {
          claimedAt: now.toISOString(),
          leaseUntil,
          basedOnVersionId: current,
          runId: 'another-run',
        }),
        VersionStages: [STAGES.claim],
      }),
    );
    client.destroy();
    expect((await report()).get('browser')?.claim).toEqual({ state: 'held', until: leaseUntil });
    const { stdout } = await status('--config', CONFIG_FILE);
    expect(stdout.split('\n').find((l) => l.startsWith('browser '))).toMatch(/ in progress$/);
    expect(stdout).toContain(`browser: a run holds the rotation claim until ${leaseUntil}`);
  }, 60_000);

  it('refuses bad usage with exit code 2', async () => {
    const missing = await command();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config is required');
    expect((await status('--config', CONFIG_FILE, '--bogus')).stderr).toContain('unknown option --bogus');
    expect((await status('--help')).stdout).toContain('Usage: npm run status -- --config <file> [--json]');
  }, 60_000);

  it('made only read calls to AWS', () => {
    expect(operations.length).toBeGreaterThan(0);
    expect([...new Set(operations)].sort()).toEqual(expect.arrayContaining(['GetSecretValue']));
    for (const operation of operations) expect(READS).toContain(operation);
  });

  it('printed no token and no credential the sandbox issued', () => {
    const secrets = issuedSecrets(rotator().sandbox);
    expect(secrets.length).toBeGreaterThan(3);
    const printed = outputs.join('\n');
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });
});

describe('the status table', () => {
  const at = '2026-11-21T12:00:00.000Z';
  const long = (n: number) => `t${String(n).padStart(2, '0')}-${'x'.repeat(36)}`;
  const token = (id: string): TokenStatus => ({
    tokenId: id,
    family: 'customer-impersonation',
    storeHash: 'abcdefghij1234567890',
    secretName: `bigcommerce/abcdefghij1234567890/${id}`,
    current: {
      versionId: '6f1c2a9b-0000-4000-8000-000000000000',
      holds: 'token',
      mintedAt: '2026-11-21T09:55:00.000Z',
      expiresAt: '2027-11-20T09:55:00.000Z',
    },
    next: { due: false, at: '2027-11-10T09:55:00.000Z', reason: 'valid' },
    pending: { versionId: '1a2b3c4d-0000-4000-8000-000000000000', holds: 'token', mintedAt: at, expiresAt: at },
    claim: { state: 'released', versionId: '1a2b3c4d-0000-4000-8000-000000000000' },
    last: { outcome: 'never rotated', at: null },
  });

  it('fits in 120 columns with 40-character ids, long store hashes and notes', () => {
    const text = statusTable({ at, tokens: [token(long(1)), token(long(2))] });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(TABLE_WIDTH);
    expect(text).toMatch(/^token +family +store +version +minted +expires +next due +last outcome$/m);
    expect(text).toContain('2h05m ago');
    expect(text).toContain('in 363d21h');
  });
});
