import { getHeapStatistics } from 'node:v8';

/**
 * The process bench p5 runs one sweep in, as Lambda runs the function: started by the bench with Lambda's
 * heap flags, it loads the bundle named by its first argument, invokes the handler once with a scheduled
 * event (on the sandbox's clock, BENCH_CLOCK_OFFSET_MS ahead of this machine's), serializes the answer as
 * Lambda's runtime does, and reports over IPC. Plain Node, no TypeScript loader: nothing in this process
 * weighs but Node, the bundle and the sweep.
 */

/** What the bench learns from the child; sizes in bytes. */
export interface SweepChildReport {
  /** Resident set before the bundle is loaded: Node alone. */
  bareRss: number;
  /** Resident set and heap in use once the bundle is loaded, before the invocation. */
  loadedRss: number;
  loadedHeap: number;
  /** The most heap in use, sampled every few milliseconds during the invocation. */
  heapPeak: number;
  /** The most heap V8 had reserved (what the heap costs in resident memory). */
  heapCommittedPeak: number;
  /** The answer as Lambda's runtime sends it: JSON. */
  responseBytes: number;
  summary: unknown;
  wallMs: number;
  /** The young generation's semi-space bound the process runs with (its last `--max-semi-space-size`). */
  semiSpaceMb: number | undefined;
  /** The process's own peak resident set (getrusage), in bytes. */
  maxRss: number;
}

const SAMPLE_MS = 5;

interface HandlerModule {
  createHandler: (dependencies: {
    clock: { now: () => Date };
  }) => (event: unknown, context: unknown) => Promise<unknown>;
}

async function main(): Promise<void> {
  const bareRss = process.memoryUsage.rss();
  const bundle = process.argv[2];
  if (!bundle) throw new Error('usage: bench-sweep-child <bundle.js>');
  const offset = Number(process.env.BENCH_CLOCK_OFFSET_MS ?? 0);
  const module = require(bundle) as HandlerModule;
  const handler = module.createHandler({ clock: { now: () => new Date(Date.now() + offset) } });
  const loaded = getHeapStatistics();
  const loadedRss = process.memoryUsage.rss();

  let heapPeak = loaded.used_heap_size;
  let heapCommittedPeak = loaded.total_heap_size;
  const sample = () => {
    const { used_heap_size, total_heap_size } = getHeapStatistics();
    heapPeak = Math.max(heapPeak, used_heap_size);
    heapCommittedPeak = Math.max(heapCommittedPeak, total_heap_size);
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  const deadline = Date.now() + 5 * 60_000;
  const context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '256',
    awsRequestId: 'bench-p5',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const started = performance.now();
  const answer = await handler({ trigger: 'schedule' }, context);
  const responseBytes = Buffer.byteLength(JSON.stringify(answer));
  const wallMs = performance.now() - started;
  sample();
  clearInterval(sampler);
  const report: SweepChildReport = {
    bareRss,
    loadedRss,
    loadedHeap: loaded.used_heap_size,
    heapPeak,
    heapCommittedPeak,
    responseBytes,
    summary: (answer as { summary?: unknown }).summary,
    wallMs,
    semiSpaceMb: semiSpaceMb(),
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
  process.send?.(report);
  // The bench reads this process's peak resident set from outside, then ends it.
  setInterval(() => undefined, 60_000);
}

function semiSpaceMb(): number | undefined {
  const flags = process.execArgv.filter((flag) => flag.startsWith('--max-semi-space-size='));
  const last = flags.at(-1);
  return last === undefined ? undefined : Number(last.split('=')[1]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
