import { AsyncLocalStorage } from 'node:async_hooks';
import { createTokenReader } from '../reader';
import { storefrontQuery } from '../reader/examples/storefront-fetch';
import { fetchThroughSandbox } from '../sandbox/bigcommerce/graphql';
import { graphql } from '../sandbox/bigcommerce/storefront-schema';

/**
 * One app of the p6 measure (scripts/bench-consumers.ts), in a process of its own: it calls the GraphQL
 * Storefront API continuously, as the examples in docs/consumers.md do, until the parent says stop, then
 * reports what its calls met. `reader` is that page's `storefrontQuery` with a default reader; `catalyst` is its
 * Catalyst `client`, configured from the environment as Catalyst's is. Both call
 * `https://store-...mybigcommerce.com/graphql`, which this process's `fetch` routes to the sandbox.
 */
export interface ConsumerSpec {
  kind: 'reader' | 'catalyst';
  secretId: string;
  storeHash: string;
  graphqlUrlTemplate: string;
  /** Calls in flight at once, each loop starting its next call when one ends. */
  loops: number;
}

/** What a consumer reports when it stops. */
export interface ConsumerReport {
  requests: number;
  failed: number;
  /** Calls that met a 401 and then succeeded (the example's one retry after one re-read). */
  recovered401: number;
  /** From its first call to the stop, in milliseconds: the stretch its read budget is counted over. */
  runMs: number;
  /** Why calls failed, the first few, in the errors' own words (they never carry a token). */
  failures: string[];
}

export type ConsumerMessage = { ready: true } | { report: ConsumerReport };

const STORE_NAME = '{ site { settings { storeName } } }';
const StoreName = graphql('query StoreName { site { settings { storeName } } }');

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_CONSUMER ?? '') as ConsumerSpec;
  const call = new AsyncLocalStorage<{ unauthorized: number }>();
  const routed = fetchThroughSandbox(spec.graphqlUrlTemplate, globalThis.fetch);
  globalThis.fetch = async (input, init) => {
    const response = await routed(input, init);
    const current = call.getStore();
    if (response.status === 401 && current) current.unauthorized += 1;
    return response;
  };

  let once: () => Promise<unknown>;
  if (spec.kind === 'reader') {
    const reader = createTokenReader({ secretId: spec.secretId });
    const url = `https://store-${spec.storeHash}-1.mybigcommerce.com/graphql`;
    once = () => storefrontQuery(reader, url, STORE_NAME);
  } else {
    Object.assign(process.env, {
      BIGCOMMERCE_STOREFRONT_TOKEN_SECRET_ID: spec.secretId,
      BIGCOMMERCE_STORE_HASH: spec.storeHash,
      BIGCOMMERCE_CHANNEL_ID: '1',
    });
    const { client } = await import('../reader/examples/catalyst-client');
    once = () => client.fetch({ document: StoreName });
  }

  const report: ConsumerReport = { requests: 0, failed: 0, recovered401: 0, runMs: 0, failures: [] };
  const startedAt = performance.now();
  let stopping = false;
  let ready = false;
  const loop = async () => {
    while (!stopping) {
      const state = { unauthorized: 0 };
      report.requests += 1;
      try {
        await call.run(state, once);
        if (state.unauthorized > 0) report.recovered401 += 1;
        if (!ready) {
          ready = true;
          process.send?.({ ready: true } satisfies ConsumerMessage);
        }
      } catch (error) {
        report.failed += 1;
        const { name, message } = error as Error;
        if (report.failures.length < 5) report.failures.push(`${name}: ${message.replace(/\s+/g, ' ').trim()}`);
      }
    }
  };
  const loops = Array.from({ length: spec.loops }, loop);
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  stopping = true;
  await Promise.all(loops);
  report.runMs = performance.now() - startedAt;
  process.send?.({ report } satisfies ConsumerMessage, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
