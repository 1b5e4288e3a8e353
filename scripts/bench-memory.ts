import { fork } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { parseConfig } from '../functions/config/schema';
import { FUNCTION_NODE_OPTIONS, writeFunctionAsset } from '../infra/bundling';
import { HEAP_WRAPPER_FILE } from '../infra/heap-wrapper';
import { FUNCTION_MEMORY_MB } from '../infra/rotator-function';
import { privateFleetConfig, storeNames } from '../sandbox/fleet-config';
import { fleet } from './bench-rotations';
import type { SweepChildReport } from './bench-sweep-child';

const DAY = 24 * 3_600_000;
const MIB = 1024 * 1024;

/**
 * Node's flags as Lambda's Node runtime starts a function of `memoryMb`: its bootstrap gives a tenth of the
 * memory to the young generation (half of it to each semi-space) and the rest to the old generation.
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/** A process's peak and current resident set (VmHWM, VmRSS) from /proc, in bytes; undefined off Linux. */
function residentSet(pid: number): { peak: number; now: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { peak: kib('VmHWM') * 1024, now: kib('VmRSS') * 1024 };
  } catch {
    return undefined;
  }
}

const mb = (bytes: number) => (bytes / MIB).toFixed(1);

/**
 * p5: the memory of one scheduled sweep over `tokens` private storefront tokens (4 a store), every one of
 * them read in bulk and `due` of them due (handed to the work queue, as the stack configures such a fleet), run
 * by the storefront function's asset as the stack deploys it (bundle and validated configuration file), in a Node process of its own with the heap flags
 * Lambda gives a function of FUNCTION_MEMORY_MB, its NODE_OPTIONS and its environment (work queue, write share, log level). Its peak resident set is read from outside (/proc), and the sweep is
 * ended, as Lambda would end it, when it exceeds the function's memory. No latency: memory, not time, is
 * measured. Minting the fleet first takes a minute or two.
 */
export async function sweepMemory(dir: string, node: string, tokens = 5_000, due = 20): Promise<void> {
  const stores = storeNames('bench', Math.ceil(tokens / 4));
  const rawConfig = privateFleetConfig(stores, 4);
  const f = await fleet(rawConfig, stores);
  try {
    // The first `due` tokens are minted three days before the others; two and a half days later they are in
    // their renewal window (5 days after minting) and the others are not.
    const dueIds = (rawConfig.tokens as { id: string }[]).slice(0, due).map((t) => t.id);
    const first = await f.prepare('storefront', { targets: dueIds });
    f.sandbox.clock.advance(3 * DAY);
    const rest = await f.prepare('storefront');
    f.sandbox.clock.advance(2.5 * DAY);
    if (first.summary.rotated !== due || rest.summary.rotated !== tokens - due) {
      throw new Error(`p5: minting the fleet failed (${JSON.stringify([first.summary, rest.summary])})`);
    }

    const out = path.join(dir, 'p5');
    mkdirSync(out, { recursive: true });
    const bundle = writeFunctionAsset('storefront', out, parseConfig(rawConfig, 'bench p5'));
    const child = path.join(out, 'sweep-child.js');
    await build({
      entryPoints: [path.join(__dirname, 'bench-sweep-child.ts')],
      outfile: child,
      platform: 'node',
      format: 'cjs',
      logLevel: 'warning',
    });

    const functionName = 'storefront-rotator';
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...f.sandbox.environment(),
      NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
      POWERTOOLS_SERVICE_NAME: 'bigcommerce-token-rotator',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      SECRETS_WRITES_PER_SECOND: f.env.SECRETS_WRITES_PER_SECOND,
      ...(f.env.WORK_QUEUE_URL ? { WORK_QUEUE_URL: f.env.WORK_QUEUE_URL, WORK_QUEUE_ARN: f.env.WORK_QUEUE_ARN } : {}),
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MEMORY_MB),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      BENCH_CLOCK_OFFSET_MS: String(f.sandbox.clock.nowMs() - Date.now()),
    };
    const result = await runChild(node, child, bundle, env, FUNCTION_MEMORY_MB * MIB);
    const head = `bench p5 tokens=${tokens} memory_mb=${FUNCTION_MEMORY_MB}`;
    const goal = (rssPeak: number) =>
      `rss_goal_mb=${FUNCTION_MEMORY_MB / 2} within_goal=${rssPeak <= (FUNCTION_MEMORY_MB / 2) * MIB}`;
    if ('failure' in result) {
      console.log(`${head} rss_peak_mb=${mb(result.rssPeak)} failed="${result.failure}"`);
      return;
    }
    const { report, rssPeak } = result;
    const summary = report.summary as { rotated: number; dispatched: number };
    console.log(
      `${head} heap_peak_mb=${mb(report.heapPeak)} rss_peak_mb=${mb(rssPeak)} ${goal(rssPeak)} ` +
        `semi_space_mb=${report.semiSpaceMb} ` +
        `heap_committed_peak_mb=${mb(report.heapCommittedPeak)} rss_bare_mb=${mb(report.bareRss)} ` +
        `rss_loaded_mb=${mb(report.loadedRss)} heap_loaded_mb=${mb(report.loadedHeap)} ` +
        `due=${summary.rotated + summary.dispatched} response_kib=${(report.responseBytes / 1024).toFixed(0)} ` +
        `wall_ms=${Math.round(report.wallMs)}`,
    );
  } finally {
    await f.close();
  }
}

type ChildResult = { report: SweepChildReport; rssPeak: number } | { failure: string; rssPeak: number };

/**
 * Runs the sweep's process and watches its resident set every few milliseconds: past `limitBytes` it is
 * killed, as Lambda ends an invocation that exceeds the function's memory.
 */
function runChild(
  node: string,
  child: string,
  bundle: string,
  env: NodeJS.ProcessEnv,
  limitBytes: number,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // Started as Lambda starts it: the function's exec wrapper, given Node and the bootstrap's flags.
    const proc = fork(child, [bundle], {
      execPath: path.join(path.dirname(bundle), HEAP_WRAPPER_FILE),
      execArgv: [node, ...lambdaHeapFlags(FUNCTION_MEMORY_MB)],
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let rssPeak = 0;
    let settled = false;
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000);
    });
    const pid = proc.pid as number;
    const watch = setInterval(() => {
      const rss = residentSet(pid);
      if (!rss) return;
      rssPeak = Math.max(rssPeak, rss.peak);
      if (rss.now > limitBytes && !settled) {
        settled = true;
        proc.kill('SIGKILL');
        resolve({ failure: `exceeded the function's memory (${mb(rss.now)} MiB resident)`, rssPeak });
      }
    }, 10);
    proc.on('message', (report: SweepChildReport) => {
      if (settled) return;
      settled = true;
      rssPeak = Math.max(rssPeak, residentSet(pid)?.peak ?? report.maxRss);
      proc.kill('SIGKILL');
      resolve({ report, rssPeak });
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearInterval(watch);
      if (settled) return;
      settled = true;
      const fatal = /FATAL ERROR: [^\n]*/.exec(stderr)?.[0];
      resolve({
        failure: fatal ?? `exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-8).join(' | ')}`,
        rssPeak,
      });
    });
  });
}
