import path from 'node:path';
import { loadConfigFile } from '../functions/config/load';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../functions/config/types';
import type { RunReport } from '../functions/rotation/run';
import { CLAIM_LEASE_MS } from '../functions/rotation/claim';
import { type Sandbox, startSandbox } from '../sandbox';
import { localLambdaContext } from '../sandbox/lambda-context';
import { provisionSandbox } from '../sandbox/provision';
import { PROJECT_ROOT } from '../infra/bundling';
import { bundleHandler } from './bundle-handler';
import { createTokenReader } from '../reader';
import { storefrontQuery } from '../reader/examples/storefront-fetch';
import { outcomeTable, wrapped } from './table';

/**
 * `npm start`: the product's main job against the embedded sandbox. No AWS account, no BigCommerce store:
 * the real (bundled) rotator functions run against the simulated BigCommerce and local AWS endpoints.
 */
async function main(): Promise<void> {
  const configPath = process.env.ROTATOR_CONFIG_FILE ?? path.join(PROJECT_ROOT, 'rotator.config.json');
  const { config } = loadConfigFile(configPath);
  const sandbox = await startSandbox();
  try {
    provisionSandbox(sandbox, config);
    Object.assign(process.env, sandbox.environment(), {
      ROTATOR_CONFIG_FILE: configPath,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const kinds = [...new Set(config.tokens.map((t) => FAMILY_ROTATOR[t.family]))];
    const handlers = new Map<RotatorKind, (event: unknown, context: unknown) => Promise<unknown>>();
    const sizes: string[] = [];
    for (const kind of kinds) {
      const { module, bytes } = await bundleHandler(kind);
      handlers.set(kind, module.createHandler({ clock: { now: () => sandbox.clock.now() } }));
      sizes.push(`${kind}-rotator ${(bytes / 1024).toFixed(0)} KiB`);
    }
    /** One step of the story: each function that owns a token the event concerns, one table for all. */
    const run = async (title: string, event: { targets?: string[]; force?: boolean }): Promise<RunReport[]> => {
      const reports: RunReport[] = [];
      for (const [kind, handler] of handlers) {
        const mine = config.tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind).map((t) => t.id);
        const targets = event.targets?.filter((id) => mine.includes(id));
        if (event.targets && targets?.length === 0) continue;
        reports.push(
          (await handler(
            { ...event, ...(targets ? { targets } : {}) },
            localLambdaContext(`${kind}-rotator`),
          )) as RunReport,
        );
      }
      console.log(
        `\n== ${title}\n   clock: ${sandbox.clock.now().toISOString()}\n${outcomeTable(reports.flatMap((r) => r.results))}`,
      );
      return reports;
    };

    console.log(
      wrapped(
        `BigCommerce token rotator, local run. Sandbox: BigCommerce ${sandbox.bigcommerce.apiUrl}, AWS ${sandbox.aws.endpointUrl}`,
      ),
    );
    console.log(`Config: ${path.relative(process.cwd(), configPath)} (${config.tokens.length} tokens).`);
    console.log(wrapped(`Bundles: ${sizes.join(', ')}.`, '', '  '));

    const reports = await run('1. First run: every token is minted, verified and stored', {});
    const second = await run('2. Second run: nothing is due, BigCommerce is not called', {});
    reports.push(...second);
    const soonest = second
      .flatMap((r) => r.results)
      .map((r) => Date.parse(r.nextDueAt ?? ''))
      .filter(Number.isFinite)
      .sort((a, b) => a - b)[0];
    if (soonest !== undefined) {
      sandbox.clock.set(soonest + 60_000);
      reports.push(...(await run('3. The clock moves into the first renewal window: that token is re-minted', {})));
    }
    const [first] = config.tokens;
    if (first)
      reports.push(...(await run(`4. Manual forced rotation of "${first.id}"`, { targets: [first.id], force: true })));

    const revoking = config.tokens.find((t) => 'revokeSuperseded' in t && t.revokeSuperseded !== undefined);
    if (revoking && 'revokeSuperseded' in revoking && revoking.revokeSuperseded) {
      reports.push(
        ...(await run(`5a. "${revoking.id}" is forced: its predecessor stays valid for the grace period`, {
          targets: [revoking.id],
          force: true,
        })),
      );
      // The grace period counts from when the new token became current, bounded by its mint plus the lease.
      sandbox.clock.advance(CLAIM_LEASE_MS + (revoking.revokeSuperseded.gracePeriodSeconds + 60) * 1000);
      reports.push(
        ...(await run(`5b. Past the grace period: the superseded token is revoked`, { targets: [revoking.id] })),
      );
    }

    const b2bToken = config.tokens.find((t) => t.family === 'b2b-backend');
    if (b2bToken && b2bToken.family === 'b2b-backend') {
      const lookAlike = `bctr/${b2bToken.id}/created-by-hand`;
      await createB2bTokenByHand(sandbox, b2bToken.storeHash, lookAlike);
      reports.push(
        ...(await run(`6a. "${b2bToken.id}" is forced twice: three tokens of ours exist`, {
          targets: [b2bToken.id],
          force: true,
        })),
      );
      reports.push(...(await run('6b. (second forced run)', { targets: [b2bToken.id], force: true })));
      sandbox.clock.advance((b2bToken.gracePeriodSeconds + 60) * 1000);
      reports.push(
        ...(await run(`6c. Past the grace period: our stale token is revoked; "${lookAlike}" stays`, {
          targets: [b2bToken.id],
        })),
      );
      const left = sandbox.bigcommerce.api.b2b.allTokens().filter((t) => t.storeHash === b2bToken.storeHash);
      console.log(
        wrapped(`B2B tokens left at the store: ${left.map((t) => `"${t.name}"`).join(', ')}`, '    ', '      '),
      );
    }

    if (first) {
      const before = await sandbox.aws.api.secretsManager.valueAt(first.secretName);
      sandbox.bigcommerce.server.injectFault({
        match: { path: '/storefront/store-' },
        fault: { kind: 'status', status: 503 },
        times: 4,
      });
      const failing = await run(`7a. BigCommerce fails while "${first.id}" is verified: the rotation fails`, {
        targets: [first.id],
        force: true,
      });
      const kept = (await sandbox.aws.api.secretsManager.valueAt(first.secretName)) === before;
      console.log(
        wrapped(`The previous token is ${kept ? 'still current' : 'NOT current'}: consumers are unaffected.`, '    '),
      );
      const healed = await run('7b. The next run verifies the staged token again and promotes it', {
        targets: [first.id],
      });
      reports.push(...healed);
      if (!kept) reports.push(...failing);
    }

    await readLikeAnApp(sandbox, config.tokens);

    const events = sandbox.aws.api.eventBridge.events(config.eventBusName);
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.detailType, (counts.get(e.detailType) ?? 0) + 1);
    const announced = [...counts].map(([type, n]) => `${n} x ${type}`).join(', ');
    console.log(`\nEvents announced on bus "${config.eventBusName}":\n${wrapped(announced, '  ')}`);
    const failed = reports.reduce((n, r) => n + r.summary.failed, 0);
    console.log(failed === 0 ? '\nAll runs succeeded.' : `\n${failed} rotation(s) failed.`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    await sandbox.close();
  }
}

/** The consumer's side: an app reads the private token with the reader and calls the Storefront API with it. */
async function readLikeAnApp(sandbox: Sandbox, tokens: ManagedToken[]): Promise<void> {
  const app = tokens.find((t) => t.family === 'storefront-private');
  if (app?.family !== 'storefront-private') return;
  const reader = createTokenReader({ secretId: app.secretName });
  const token = await reader.getToken();
  const graphqlUrl = sandbox.bigcommerce.graphqlUrlTemplate
    .replace('{storeHash}', app.storeHash)
    .replace('{channelId}', String(app.channelIds[0]));
  const data = await storefrontQuery<{ site: { settings: { storeName: string } } }>(
    reader,
    graphqlUrl,
    '{ site { settings { storeName } } }',
  );
  console.log(
    [
      '\n== 8. How an app reads the token: createTokenReader({ secretId }).getToken() (reader/, see docs/consumers.md)',
      `   ${app.secretName}: header "${token.header}", a ${token.value.length}-character value (not shown),`,
      `   version ${token.versionId}, expires ${token.expiresAt?.toISOString() ?? 'never'}`,
      `   The GraphQL Storefront API answers with it: store name "${data.site.settings.storeName}"`,
    ].join('\n'),
  );
}

/** What an operator does in the B2B Edition control panel: a token with a name that only looks like ours. */
async function createB2bTokenByHand(sandbox: Sandbox, storeHash: string, name: string): Promise<void> {
  const admin = sandbox.bigcommerce.api.seeded.find((s) => s.storeHash === storeHash)?.b2bAdmin;
  if (!admin) throw new Error(`the sandbox has no B2B admin for store ${storeHash}`);
  const response = await fetch(`${sandbox.bigcommerce.b2bApiUrl}/auth/backend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ storeHash, email: admin.email, password: admin.password, name }),
  });
  if (!response.ok) throw new Error(`creating a B2B token by hand failed: ${response.status}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
