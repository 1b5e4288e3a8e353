import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/bundling';
import { LARGE_FLEET, largeFleetConfig } from '../sandbox/fleet-config';
import { cfnLint, templateFiles, validationViolations } from './template-checks';

/**
 * `npm run synth:check`: the deploy path as users run it. `npx cdk synth` through the CLI (functions bundled, no
 * network: no version check, telemetry or notices) for the repository's configuration and for 5,000 tokens
 * across 1,250 stores, with the account and Region resolved as the CLI resolves them and environment-agnostic;
 * then cfn-lint over every template, root and nested, for the Regions it may be deployed to. Fails on a failed
 * synthesis, a cdk-nag finding, or a cfn-lint error; prints how long each step took.
 */

/** The account the CLI would have resolved from credentials. */
const ACCOUNT = '123456789012';
/** Resolved Regions: the CLI's fallback (us-east-1) and two others, in other partitions' neighbourhoods of time. */
const REGIONS = ['us-east-1', 'eu-central-1', 'ap-southeast-2'];
const AGNOSTIC = 'agnostic';

/**
 * The synthesis runs, longest first: the repository's configuration and 5,000 tokens, each in every resolved
 * Region and environment-agnostic. A Region's templates carry its own names (ARNs, service principals), so each
 * is linted for that Region; an agnostic one for all three.
 */
const RUNS: { config: 'example' | 'fleet'; environment: string }[] = (['fleet', 'example'] as const).flatMap((config) =>
  [...REGIONS, AGNOSTIC].map((environment) => ({ config, environment })),
);

const OUT = path.join(PROJECT_ROOT, 'cdk.out.synth-check');

/** How many synthesis or lint processes run at once: `--concurrency <n>`, 2 by default (CI has two cores). */
function concurrency(): number {
  const at = process.argv.indexOf('--concurrency');
  const value = at === -1 ? 2 : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error('--concurrency takes a positive whole number');
  return value;
}

/** Runs `tasks`, at most `limit` at a time, and returns their results in order. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

interface Synthesis {
  name: string;
  environment: string;
  directory: string;
  ok: boolean;
  ms: number;
  output: string;
}

/** `npx cdk synth` as a user runs it, in `environment`, into its own output directory. */
function synthesize(config: 'example' | 'fleet', environment: string, fleetFile: string): Promise<Synthesis> {
  const name = `${config}-${environment}`;
  const directory = path.join(OUT, name);
  const { AWS_REGION, AWS_DEFAULT_REGION, CDK_DEFAULT_REGION, CDK_DEFAULT_ACCOUNT, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    ...(environment === AGNOSTIC
      ? {}
      : { CDK_DEFAULT_ACCOUNT: ACCOUNT, AWS_REGION: environment, CDK_DEFAULT_REGION: environment }),
  };
  const args = [
    'cdk',
    'synth',
    '--quiet',
    '--no-notices',
    '--output',
    directory,
    ...(config === 'fleet' ? ['-c', `config=${fleetFile}`] : []),
    ...(environment === AGNOSTIC ? ['-c', 'environmentAgnostic=true'] : []),
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npx', args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => {
      const ms = Date.now() - started;
      console.log(`synth-check synth config=${config} environment=${environment} exit=${code} ms=${ms}`);
      resolve({ name, environment, directory, ok: code === 0, ms, output });
    });
  });
}

/**
 * cfn-lint over a synthesis's templates, root and nested, in one process, for the Regions it is deployed to: its
 * own when resolved, every Region of the check when agnostic.
 */
async function lint(synthesis: Synthesis): Promise<string | undefined> {
  const regions = synthesis.environment === AGNOSTIC ? REGIONS : [synthesis.environment];
  const files = templateFiles(synthesis.directory);
  const result = await cfnLint(files, regions);
  console.log(
    `synth-check cfn-lint run=${synthesis.name} regions=${regions.join(',')} templates=${files.length} ` +
      `exit=${result.exit} errors=${result.counts.E} warnings=${result.counts.W} ` +
      `informational=${result.counts.I} ms=${result.ms}`,
  );
  return result.failed ? `cfn-lint ${synthesis.name}:\n${result.errors.slice(0, 20).join('\n\n')}` : undefined;
}

/** What is wrong with a synthesis: the CLI's failure, or a finding in its validation report, or cfn-lint's errors. */
async function check(synthesis: Synthesis): Promise<string[]> {
  if (!synthesis.ok) return [`cdk synth ${synthesis.name} failed:\n${synthesis.output.trim()}`];
  const violations = validationViolations(synthesis.directory);
  const linted = await lint(synthesis);
  return [
    ...(violations.length > 0 ? [`${synthesis.name}: ${JSON.stringify(violations, null, 1)}`] : []),
    ...(linted ? [linted] : []),
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const fleetFile = path.join(OUT, `fleet-${LARGE_FLEET.tokens}.json`);
  writeFileSync(fleetFile, JSON.stringify(largeFleetConfig()));

  // Each run is linted as soon as it is synthesized, while the others synthesize.
  const problems = await inParallel(
    RUNS.map(
      ({ config, environment }) =>
        async () =>
          check(await synthesize(config, environment, fleetFile)),
    ),
    concurrency(),
  );
  console.log(`synth-check total runs=${RUNS.length} ms=${Date.now() - started}`);
  if (problems.flat().length > 0) {
    console.error(`\n${problems.flat().join('\n\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
