import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigFile } from '../functions/config/load';
import type { RotatorKind } from '../functions/config/types';
import { FUNCTION_NODE_OPTIONS, PROJECT_ROOT } from '../infra/bundling';
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

/**
 * Milliseconds for a fresh Node process to load `file` and exit, with the functions' Node options, wall
 * clock as a cold start sees it (process start included, which the empty module measures on its own).
 */
function timeFreshImport(file: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(NODE, ['-e', 'require(process.argv[1])', file], {
    env: { ...process.env, NODE_OPTIONS: FUNCTION_NODE_OPTIONS },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`loading ${file} failed: ${result.stderr}`);
  return elapsed;
}

/**
 * p4: each bundle's size, minified and gzipped, and the median time to load it in a fresh process against
 * the same for an empty module. Runs alternate between the files, so a busy machine slows all alike.
 */
const bundleLoad: Measure = ({ dir, functions }) => {
  const empty = path.join(dir, 'empty.js');
  writeFileSync(empty, '');
  const files = [empty, ...functions.map((f) => f.bundle.file)];
  const times = new Map<string, number[]>(files.map((file) => [file, []]));
  for (let run = 0; run < IMPORT_RUNS; run++) {
    for (const file of files) times.get(file)?.push(timeFreshImport(file));
  }
  const emptyMs = median(times.get(empty) ?? []);
  for (const { name, bundle } of functions) {
    console.log(
      `bench p4 function=${name} bundle_kib=${round1(bundle.bytes / 1024)} gzip_kib=${round1(bundle.gzipBytes / 1024)} ` +
        `import_ms=${round1(median(times.get(bundle.file) ?? []))} empty_import_ms=${round1(emptyMs)}`,
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
    // The example configuration, embedded as the stack embeds the deployed one.
    const { json } = loadConfigFile(path.join(PROJECT_ROOT, 'rotator.config.json'));
    const functions: BenchContext['functions'] = [];
    for (const [name, kind] of Object.entries(ROTATOR_FUNCTIONS)) {
      functions.push({ name, kind, bundle: await bundleFunction(kind, dir, json) });
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
