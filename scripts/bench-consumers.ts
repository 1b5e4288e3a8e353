import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { parseConfig } from '../functions/config/schema';
import { CLAIM_LEASE_MS } from '../functions/rotation/claim';
import { READER_DEFAULTS } from '../reader/token-reader';
import type { ConsumerMessage, ConsumerReport, ConsumerSpec } from './bench-consumer-process';
import { fleet } from './bench-rotations';

/**
 * p6: what apps see while their tokens rotate. Apps in processes of their own (READER_APPS on docs/consumers.md's
 * `storefrontQuery` with a default reader, one on its Catalyst client) call the sandbox's GraphQL
 * Storefront API continuously while the real rotator handler force-rotates every storefront token
 * `rotations` times with `revokeSuperseded`. After each rotation the rotator's clock (not the apps') moves
 * past the grace period and a scheduled run revokes the superseded tokens: seen from the apps, each token is
 * revoked moments after its successor became current, the worst any grace period can do, so every app
 * meets the 401 of each rotation. A call that meets a 401 and succeeds after its one re-read is
 * `recovered_401`; a call that throws is `failed`. Secret reads are counted at the sandbox's Secrets Manager,
 * per app (each sends its own user-agent app id), against the reader's documented budget (docs/consumers.md,
 * "How often it reads"): per app, 1 + floor(run / maxAgeMs) + one per refused version, at most one per rotation
 * (no refused version stays current here: each is revoked after its successor is promoted).
 */

const STORE = 'benchp6';
const GRACE = '5m';
const TOKENS = ['p6-web', 'p6-catalyst'];
/** Reader apps per token; the Catalyst app uses the second token. */
const READER_APPS_PER_TOKEN = 2;
const LOOPS_PER_APP = 2;

/** `--p6-pause-ms`: real time the apps run between two rotations (default 200). */
function pauseMs(argv: string[] = process.argv): number {
  const at = argv.indexOf('--p6-pause-ms');
  const value = at === -1 ? 200 : Number(argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error('--p6-pause-ms takes a non-negative number');
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function consumersUnderRotation(rotations: number): Promise<void> {
  const rawConfig = {
    stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
    tokens: TOKENS.map((id) => ({
      id,
      store: STORE,
      family: 'storefront-private',
      channelIds: [1],
      scopes: ['Unauthenticated'],
      lifetime: '7d',
      renewBefore: '2d',
      revokeSuperseded: { gracePeriod: GRACE },
    })),
  };
  const config = parseConfig(rawConfig);
  const graceSeconds = (config.tokens[0] as { revokeSuperseded: { gracePeriodSeconds: number } }).revokeSuperseded
    .gracePeriodSeconds;
  const f = await fleet(rawConfig, [STORE]);
  const apps: { id: string; child: ChildProcess; report?: ConsumerReport }[] = [];
  try {
    const minted = await f.invoke('storefront');
    if (minted.summary.rotated !== TOKENS.length) throw new Error('p6: the first run did not mint every token');

    // Reads per app, told apart by the app id each one's SDK puts in its user agent.
    const reads = new Map<string, number>();
    f.sandbox.aws.server.observe((r) => {
      if (r.operation !== 'GetSecretValue') return;
      const app = /app\/(p6-app-\d+)/.exec(String(r.headers['user-agent']))?.[1];
      if (app) reads.set(app, (reads.get(app) ?? 0) + 1);
    });

    const specs: ConsumerSpec[] = [
      ...config.tokens.flatMap((token) =>
        Array.from(
          { length: READER_APPS_PER_TOKEN },
          (): ConsumerSpec => ({
            kind: 'reader',
            secretId: token.secretName,
            storeHash: STORE,
            graphqlUrlTemplate: f.sandbox.bigcommerce.graphqlUrlTemplate,
            loops: LOOPS_PER_APP,
          }),
        ),
      ),
      {
        kind: 'catalyst',
        secretId: (config.tokens[1] as { secretName: string }).secretName,
        storeHash: STORE,
        graphqlUrlTemplate: f.sandbox.bigcommerce.graphqlUrlTemplate,
        loops: LOOPS_PER_APP,
      },
    ];
    const ready: Promise<void>[] = [];
    for (const [n, spec] of specs.entries()) {
      const id = `p6-app-${n}`;
      const child = fork(path.join(__dirname, 'bench-consumer-process.ts'), [], {
        execArgv: ['-r', 'ts-node/register/transpile-only'],
        env: { ...process.env, BENCH_CONSUMER: JSON.stringify(spec), AWS_SDK_UA_APP_ID: id },
      });
      const app: (typeof apps)[number] = { id, child };
      apps.push(app);
      ready.push(
        new Promise((resolve, reject) => {
          child.on('message', (message: ConsumerMessage) => {
            if ('ready' in message) resolve();
            else app.report = message.report;
          });
          child.once('exit', (code) => reject(new Error(`p6: app ${id} exited (${code}) before its first answer`)));
        }),
      );
    }
    await Promise.all(ready);

    const started = performance.now();
    for (let rotation = 0; rotation < rotations; rotation++) {
      const forced = await f.invoke('storefront', { force: true });
      if (forced.summary.rotated !== TOKENS.length)
        throw new Error(`p6: rotation ${rotation + 1} did not rotate every token`);
      f.sandbox.clock.advance(CLAIM_LEASE_MS + graceSeconds * 1000);
      const cleanup = await f.invoke('storefront');
      if (cleanup.results.some((r) => r.outcome !== 'revoked')) {
        throw new Error(`p6: rotation ${rotation + 1}: the superseded tokens were not all revoked`);
      }
      await sleep(pauseMs());
    }
    const wallMs = performance.now() - started;

    await Promise.all(
      apps.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.send('stop');
          }),
      ),
    );
    const reports = apps.map((app) => {
      if (!app.report) throw new Error(`p6: app ${app.id} stopped without a report`);
      return app.report;
    });
    const sum = (pick: (r: ConsumerReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    const secretReads = [...reads.values()].reduce((n, count) => n + count, 0);
    const budget = sum((r) => 1 + Math.floor(r.runMs / READER_DEFAULTS.maxAgeMs) + rotations);
    for (const [n, report] of reports.entries()) {
      for (const failure of report.failures) console.error(`bench p6: ${apps[n]?.id} (${specs[n]?.kind}): ${failure}`);
    }
    console.log(
      `bench p6 rotations=${rotations} requests=${sum((r) => r.requests)} failed=${sum((r) => r.failed)} ` +
        `recovered_401=${sum((r) => r.recovered401)} secret_reads=${secretReads} read_budget=${budget} ` +
        `reads_per_budget=${(secretReads / budget).toFixed(2)} apps=${apps.length} wall_ms=${Math.round(wallMs)}`,
    );
  } finally {
    for (const { child } of apps) if (child.exitCode === null) child.kill();
    await f.close();
  }
}
