import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEPLOYED_CONFIG_FILE, loadConfigFile } from '../functions/config/load';
import type { RotatorKind } from '../functions/config/types';
import { FUNCTION_NODE_OPTIONS, PROJECT_ROOT, writeFunctionAsset } from '../infra/bundling';
import { LARGE_FLEET, largeFleetConfig } from '../sandbox/fleet-config';
import { consumersUnderRotation } from './bench-consumers';
import { sweepMemory } from './bench-memory';
import { redactorAtScale } from './bench-redaction';
import { idleSweep, latencyMs, manyDueTokens, oneDueToken } from './bench-rotations';
import { type FunctionBundle, ROTATOR_FUNCTIONS, bundleFunction } from './bundle-handler';

/**
 * `npm run bench`: performance measures of the functions as they are deployed. Each measure prints one line
 * per subject on stdout, `bench <measure> key=value ...`, and asserts nothing: times depend on the machine,
 * so they are compared between runs on one machine, not against a threshold.
 */

/** What every measure gets: each function bundled as the stack bundles it, in a scratch directory. */
interface BenchContext {
  dir: string;
  functions: { name: string; kind: RotatorKind; bundle: FunctionBundle }[];
}

type Measure = (context: BenchContext) => Promise<void> | void;

/** Fresh processes per timing; the median of an odd count is one of the runs. */
const IMPORT_RUNS = 15;

/**
 * The Node that loads the bundles: this one, or `BENCH_NODE` (a path), to time them under the functions'
 * own runtime, which can differ in what a load costs: Node 24 reads a source map only when a stack trace is
 * formatted, Node 20 and 22 at load.
 */
const NODE = process.env.BENCH_NODE || process.execPath;

const round1 = (n: number) => Math.round(n * 10) / 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Loads the bundle and exits. */
const LOAD = 'require(process.argv[1])';

/**
 * Loads the bundle and runs its first invocation with an event it refuses: the configuration is read and
 * parsed, the SDK clients built, and the event refused before any call. Any other outcome fails the bench.
 */
const FIRST_INVOCATION = `
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 60000 };
require(process.argv[1]).handler({ bench: true }, context).then(
  () => process.exit(3),
  (error) => { if (error.name !== 'InvalidEventError') { console.error(error); process.exit(4); } },
);`;

/**
 * Milliseconds for a fresh Node process to run `script` on `file` and exit, with the functions' Node options,
 * wall clock as a cold start sees it (process start included, which the empty module measures on its own).
 */
function timeFreshProcess(script: string, file: string, env: NodeJS.ProcessEnv = {}): number {
  const { ROTATOR_CONFIG: _text, ROTATOR_CONFIG_FILE: _file, ...inherited } = process.env;
  const started = process.hrtime.bigint();
  const result = spawnSync(NODE, ['-e', script, file], {
    env: {
      ...inherited,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...env,
      NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`running ${file} failed (exit ${result.status}): ${result.stderr}`);
  return elapsed;
}

/** The configurations p4 deploys: the repository's example, and the large fleet the synth check deploys. */
const P4_CONFIGS: Record<string, () => string> = {
  example: () => readFileSync(path.join(PROJECT_ROOT, 'rotator.config.json'), 'utf8'),
  [`fleet-${LARGE_FLEET.tokens}`]: () => JSON.stringify(largeFleetConfig()),
};

/** What p4 times, for each function and configuration. */
type Timing = 'import_ms' | 'first_invocation_ms' | 'validated_first_invocation_ms';

const kib = (bytes: number) => round1(bytes / 1024);

/**
 * p4: each function as the stack deploys it (writeFunctionAsset), for the example configuration and for 5,000
 * tokens: the bundle's size (minified, gzipped) and its configuration file's; the median time for a fresh
 * process to load the bundle (import_ms), and to load it and run its first invocation (first_invocation_ms:
 * the cold start up to the configuration parsed); the same first invocation of the bundle built for local use,
 * which reads the configuration as written and validates it (validated_first_invocation_ms); and an empty
 * module's load; medians of IMPORT_RUNS runs. `vs_example` is the fastest first invocation against the
 * example's: the fastest runs are the ones other work on the machine disturbed least. Runs alternate between
 * all of them, so a busy machine slows all alike.
 */
const bundleLoad: Measure = ({ dir, functions }) => {
  const empty = path.join(dir, 'empty.js');
  writeFileSync(empty, '');
  const subjects = Object.entries(P4_CONFIGS).flatMap(([configName, text]) => {
    const configFile = path.join(dir, `${configName}.json`);
    writeFileSync(configFile, text());
    const { config } = loadConfigFile(configFile);
    return functions.map(({ name, kind, bundle }) => {
      const file = writeFunctionAsset(kind, path.join(dir, 'p4', configName, name), config);
      const code = readFileSync(file);
      const configBytes = statSync(path.join(path.dirname(file), DEPLOYED_CONFIG_FILE)).size;
      const runs: Record<Timing, () => number> = {
        import_ms: () => timeFreshProcess(LOAD, file),
        first_invocation_ms: () => timeFreshProcess(FIRST_INVOCATION, file),
        validated_first_invocation_ms: () =>
          timeFreshProcess(FIRST_INVOCATION, bundle.file, { ROTATOR_CONFIG_FILE: configFile }),
      };
      return {
        label: `function=${name} config=${configName} tokens=${config.tokens.length}`,
        sizes: `bundle_kib=${kib(code.length)} gzip_kib=${kib(gzipSync(code).length)} config_kib=${kib(configBytes)}`,
        key: `${name}/${configName}`,
        example: `${name}/example`,
        runs,
        times: new Map<Timing, number[]>(),
      };
    });
  });
  const emptyTimes: number[] = [];
  for (let run = 0; run < IMPORT_RUNS; run++) {
    emptyTimes.push(timeFreshProcess(LOAD, empty));
    for (const { runs, times } of subjects) {
      for (const [timing, time] of Object.entries(runs) as [Timing, () => number][]) {
        times.set(timing, [...(times.get(timing) ?? []), time()]);
      }
    }
  }
  const fastestFirst = new Map(
    subjects.map(({ key, times }) => [key, Math.min(...(times.get('first_invocation_ms') ?? []))]),
  );
  for (const { label, sizes, key, example, times } of subjects) {
    const timings = [...times].map(([timing, ms]) => `${timing}=${round1(median(ms))}`);
    const fastest = (of: string) => fastestFirst.get(of) ?? Number.NaN;
    console.log(
      `bench p4 ${label} ${sizes} ${timings.join(' ')} empty_import_ms=${round1(median(emptyTimes))} ` +
        `first_invocation_fastest_ms=${round1(fastest(key))} vs_example=${Math.round((fastest(key) / fastest(example)) * 100) / 100}`,
    );
  }
};

/** Every measure, in the order they print. */
const MEASURES: Record<string, Measure> = {
  p1: () => oneDueToken(latencyMs()),
  p2: () => idleSweep(latencyMs()),
  p3: () => manyDueTokens(latencyMs(), numberOption('--p3-stores', 250)),
  p4: bundleLoad,
  p5: ({ dir }) => sweepMemory(dir, NODE, numberOption('--p5-tokens', 5_000)),
  p6: () => consumersUnderRotation(numberOption('--p6-rotations', 100)),
  p7: () => redactorAtScale(),
};

/** `--<name> <n>`: a positive whole number, or `fallback` when the option is absent. */
function numberOption(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a positive whole number`);
  return value;
}

/** `--only p1,p3`: the measures to run, all by default. */
function selectedMeasures(): Measure[] {
  const at = process.argv.indexOf('--only');
  if (at === -1) return Object.values(MEASURES);
  const names = (process.argv[at + 1] ?? '').split(',');
  const unknown = names.filter((n) => !(n in MEASURES));
  if (unknown.length > 0)
    throw new Error(`--only takes ${Object.keys(MEASURES).join(', ')}; not ${unknown.join(', ')}`);
  return names.map((n) => MEASURES[n] as Measure);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-bench-'));
  try {
    const functions: BenchContext['functions'] = [];
    for (const [name, kind] of Object.entries(ROTATOR_FUNCTIONS)) {
      functions.push({ name, kind, bundle: await bundleFunction(kind, dir) });
    }
    const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.error(`bench: loading with ${NODE} (${version})`);
    for (const measure of selectedMeasures()) await measure({ dir, functions });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
