import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../../functions/config/load';
import { provisionSandbox } from '../../sandbox/provision';
import { auditText } from '../support/audit';
import { useSandbox } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '../..');
const NODE_ARGS = ['-r', 'ts-node/register/transpile-only'];

function run(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [...NODE_ARGS, script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  auditText(`${script} output`, `${result.stdout}\n${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `run` that leaves the event loop free, for scripts that talk to an in-process sandbox. */
function runAsync(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...NODE_ARGS, script, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        auditText(`${script} output`, `${stdout}\n${stderr}`);
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe('npm start', () => {
  it('rotates, skips, re-mints, forces, revokes, fails and heals, then exits 0', () => {
    const { status, stdout } = run('scripts/start.ts');
    expect(status).toBe(0);
    const sections = stdout.split('\n== ').slice(1);
    const section = (prefix: string) => sections.find((s) => s.startsWith(prefix)) ?? '';
    expect(section('1.').match(/ rotated /g)).toHaveLength(5);
    expect(section('2.').match(/ skipped /g)).toHaveLength(5);
    expect(section('3.')).toMatch(/stored-instruments\s+payments-rotator\s+stored-instruments\s+rotated /);
    expect(section('4.')).toMatch(
      /headless-storefront\s+storefront-rotator\s+storefront-private\s+rotated [^\n]*\n\s+forced/,
    );
    expect(section('5b.')).toMatch(/browser-storefront\s+storefront-rotator\s+storefront\s+revoked /);
    expect(section('5b.')).toMatch(/revoked the superseded token of version/);
    expect(section('6c.')).toMatch(/b2b-erp-sync\s+b2b-rotator\s+b2b-backend\s+revoked /);
    expect(section('6c.')).toMatch(/B2B tokens left at the store: .*"bctr\/b2b-erp-sync\/created-by-hand"/);
    expect(section('7a.')).toMatch(/headless-storefront\s+storefront-rotator\s+storefront-private\s+failed /);
    expect(section('7a.')).toContain('The previous token is still current');
    expect(section('7b.')).toMatch(/rotated [^\n]*\n\s+resumed: verified and promoted/);
    expect(section('8.')).toMatch(/header "Authorization", a \d+-character value \(not shown\)/);
    expect(section('8.')).toMatch(/store name "[^"]+"/);
    expect(stdout).toContain('All runs succeeded.');
    // Every line fits an ordinary terminal: the tables, their wrapped reasons and every line around them.
    const tableLines = sections.flatMap((s) => s.split('\n').slice(1)).filter((l) => /^\S+\s{2,}\S/.test(l));
    expect(tableLines.length).toBeGreaterThan(20);
    expect(stdout.split('\n').filter((line) => line.length > 120)).toEqual([]);
  });
});

describe('npm run invoke', () => {
  it('refuses bad usage with exit code 2', () => {
    const missing = run('scripts/invoke.ts', ['storefront-rotator']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--config is required');
    expect(run('scripts/invoke.ts', ['nope-rotator', '--config', 'rotator.config.json']).stderr).toContain(
      'unknown function "nope-rotator"',
    );
    expect(
      run('scripts/invoke.ts', ['storefront-rotator', '--config', 'rotator.config.json', '--json', '{bad']).stderr,
    ).toContain('not valid JSON');
  });

  it('refuses an invalid event with exit code 2 and the reason', () => {
    const result = run('scripts/invoke.ts', [
      'storefront-rotator',
      '--config',
      'rotator.config.json',
      '--json',
      '{"targets":["nope"]}',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('InvalidEventError: Invalid invocation event: unknown token id "nope"');
  });

  it('prints the response on stdout and exits 1 when a target failed', () => {
    // No reachable AWS endpoint: every token fails at the read step, quickly.
    const result = run(
      'scripts/invoke.ts',
      ['storefront-rotator', '--config', 'rotator.config.json', '--json', '{"dryRun":true}'],
      {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
      },
    );
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.summary.failed).toBe(3);
    expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'read' });
  });
});

describe('npm run invoke with a Secrets Manager rotation step', () => {
  const sandbox = useSandbox();
  const config = 'rotator.config.json';
  const secretName = 'bigcommerce/abc123xyz/headless-storefront';
  const versionId = '2b1f0c3e-7d4a-4e58-9c61-0a9b8c7d6e5f';

  beforeAll(() => {
    provisionSandbox(sandbox(), loadConfigFile(config).config);
  });

  const step = (Step: string) =>
    runAsync(
      'scripts/invoke.ts',
      [
        'storefront-rotator',
        '--config',
        config,
        '--json',
        JSON.stringify({ Step, SecretId: secretName, ClientRequestToken: versionId }),
      ],
      sandbox().environment(),
    );

  it('prints each step of a rotation and exits 0; a step that fails exits 1 and can be re-driven', async () => {
    const s = sandbox();
    const secrets = s.aws.api.secretsManager;
    const before = secrets.find(secretName)?.versions.size;

    const created = await step('createSecret');
    expect(created.stderr).not.toContain('TypeError');
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({
      step: 'createSecret',
      tokenId: 'headless-storefront',
      secretName,
      versionId,
      did: 'minted and staged in AWSPENDING',
    });
    expect(secrets.find(secretName)?.versions.get(versionId)?.stages).toContain('AWSPENDING');

    const set = await step('setSecret');
    expect(set.status).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ step: 'setSecret', did: expect.stringMatching(/^nothing to set/) });

    // The new token is refused at BigCommerce: testSecret fails, and says so with its exit code.
    s.bigcommerce.server.injectFault({
      match: { method: 'POST', path: '/graphql$' },
      fault: { kind: 'status', status: 401 },
      times: 10,
    });
    const refused = await step('testSecret');
    s.bigcommerce.server.faults.clear();
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /ProtocolStepError: headless-storefront: verify failed: BigCommerce .* answered 401/,
    );
    expect(secrets.valueAt(secretName, 'AWSCURRENT')).not.toContain('"token":"');

    const tested = await step('testSecret');
    expect(tested.status).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ step: 'testSecret', did: 'verified at BigCommerce' });

    const finished = await step('finishSecret');
    expect(finished.status).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({
      step: 'finishSecret',
      versionId,
      did: 'verified at BigCommerce and promoted to AWSCURRENT',
      result: { tokenId: 'headless-storefront', outcome: 'rotated', versionId },
    });
    expect(secrets.find(secretName)?.versions.get(versionId)?.stages).toContain('AWSCURRENT');
    // The claim and the token: the only versions the rotation wrote.
    expect(secrets.find(secretName)?.versions.size).toBe((before ?? 0) + 2);
    expect(s.aws.api.events().filter((e) => e.detailType === 'Token Rotated')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ versionId, trigger: 'secrets-manager' }) }),
    ]);
  }, 180_000);
});

describe('npm run invoke with a paused token', () => {
  const sandbox = useSandbox();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-invoke-paused-'));
  const config = path.join(dir, 'paused.config.json');
  const raw = JSON.parse(readFileSync('rotator.config.json', 'utf8')) as { tokens: { id: string }[] };
  writeFileSync(
    config,
    JSON.stringify({
      ...raw,
      tokens: raw.tokens.map((t) => (t.id === 'headless-storefront' ? { ...t, paused: true } : t)),
    }),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => {
    provisionSandbox(sandbox(), loadConfigFile(config).config);
  });
  const invoke = (event: unknown) =>
    runAsync(
      'scripts/invoke.ts',
      ['storefront-rotator', '--config', config, '--json', JSON.stringify(event)],
      sandbox().environment(),
    );

  it('force does not rotate it: skipped with reason "paused", exit 0, no BigCommerce call; its steps are refused', async () => {
    const s = sandbox();
    s.bigcommerce.server.clearRequests();
    s.aws.server.clearRequests();
    const forced = await invoke({ targets: ['headless-storefront'], force: true });
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout).results).toEqual([
      expect.objectContaining({ tokenId: 'headless-storefront', outcome: 'skipped', reason: 'paused' }),
    ]);
    const step = await invoke({
      Step: 'createSecret',
      SecretId: 'bigcommerce/abc123xyz/headless-storefront',
      ClientRequestToken: '5c0ffee0-7d4a-4e58-9c61-0a9b8c7d6e5f',
    });
    expect(step.status).toBe(1);
    expect(step.stderr).toContain('ProtocolStepError: headless-storefront: createSecret refused: the token is paused');
    expect(s.bigcommerce.server.requests()).toEqual([]);
    expect(s.aws.server.requests().map((r) => r.operation)).toEqual(['BatchGetSecretValue']);
  }, 180_000);
});
