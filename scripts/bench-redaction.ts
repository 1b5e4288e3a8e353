import { randomBytes, randomUUID } from 'node:crypto';
import { PRODUCT_NAME } from '../functions/config/types';
import { Redactor } from '../functions/observability/redaction';
import { privateFleetConfig, storeNames } from '../sandbox/fleet-config';
import { JwtSigner } from '../sandbox/jwt';
import { fleet } from './bench-rotations';

const DAY = 24 * 3_600_000;

/**
 * What the functions write, as a corpus for the redactor: every line a storefront function logs at DEBUG level
 * (EMF metrics included, as in Lambda), its run reports and the events it announces, over a fleet of 200 tokens:
 * minting them all, an idle sweep, a sweep with every token due, and forced runs whose BigCommerce and AWS calls
 * fail, so error lines, failure events and BigCommerce's error bodies are in it too.
 */
async function functionOutput(): Promise<string[]> {
  const stores = storeNames('corpus', 50);
  const f = await fleet(privateFleetConfig(stores, 4), stores, {
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    AWS_LAMBDA_FUNCTION_NAME: 'storefront-rotator',
  });
  const lines: string[] = [];
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const capture = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  const report = (r: unknown) => lines.push(JSON.stringify(r));
  // A sweep of this fleet hands its due tokens to the work queue; its invocations log and report too.
  const sweep = async (event: unknown) => {
    report(await f.invoke('storefront', event));
    for (const r of (await f.drain()).reports) report(r);
  };
  try {
    report(await f.prepare('storefront'));
    await sweep({});
    f.sandbox.clock.advance(6 * DAY);
    await sweep({ trigger: 'manual' });
    // Failures that are not retried, each met by every token of a run: a refused mint (422, 403), a mint
    // answered with something that is not JSON, and a verification that fails after its mint succeeded.
    const faults = [
      { match: { path: 'api-token' }, fault: { kind: 'status', status: 422 }, times: 40 },
      { match: { path: 'api-token' }, fault: { kind: 'status', status: 403 }, times: 40 },
      { match: { path: 'api-token' }, fault: { kind: 'malformed-json' }, times: 40 },
      { match: { path: 'graphql' }, fault: { kind: 'status', status: 401 }, times: 40 },
    ] as const;
    // Forced runs of 40 tokens (ten stores, still handed to the work queue), each meeting one kind of failure.
    const targets = stores.slice(0, 10).flatMap((store) => [0, 1, 2, 3].map((n) => `${store}-t${n}`));
    for (const fault of faults) {
      f.sandbox.bigcommerce.server.injectFault(fault);
      await sweep({ force: true, targets });
    }
    f.sandbox.aws.server.injectFault({
      match: { operation: 'PutSecretValue' },
      fault: { kind: 'status', status: 400 },
      times: 40,
    });
    await sweep({ force: true, targets });
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    await f.close();
  }
  // The fleet's configuration names no bus, so its events are on the default one.
  for (const event of f.sandbox.aws.api.eventBridge.events(PRODUCT_NAME)) {
    lines.push(JSON.stringify(event));
  }
  return lines;
}

/**
 * Lines dense in what looks most like a token to a matcher of base64 and case-folded runs: request and trace ids,
 * hex hashes, base64 digests (as Lambda, X-Ray and CloudFormation write them).
 */
function identifierLines(count: number): string[] {
  return Array.from({ length: count }, () =>
    JSON.stringify({
      requestId: randomUUID(),
      xrayTraceId: `1-${randomBytes(4).toString('hex')}-${randomBytes(12).toString('hex')}`,
      assetHash: randomBytes(32).toString('hex'),
      digest: randomBytes(32).toString('base64'),
      etag: randomBytes(16).toString('base64url'),
    }),
  );
}

/** Values as a fleet's function registers them: storefront tokens of 1,250 stores, or tokens sharing nothing. */
const VALUE_KINDS: Record<string, (count: number) => string[]> = {
  'sandbox-jwt': (count) => {
    const signer = new JwtSigner();
    const now = Math.floor(Date.now() / 1000);
    return Array.from({ length: count }, (_, n) =>
      signer.sign({
        iss: 'BC',
        sid: 1_000_000 + Math.floor(n / 4),
        store_hash: `bench${String(Math.floor(n / 4)).padStart(4, '0')}`,
        token_type: 'private',
        cid: [1],
        scopes: ['Customer'],
        iat: now,
        eat: now + 7 * 86_400,
        exp: now + 7 * 86_400,
        jti: randomUUID(),
      }),
    );
  },
  'random-313': (count) => Array.from({ length: count }, () => randomBytes(235).toString('base64url').slice(0, 313)),
};

const RUNS = 5;

const kibOf = (lines: string[]) => lines.reduce((n, line) => n + line.length, 0) / 1024;

/**
 * p7: the redactor with `count` values registered, for each kind of value: the bytes it keeps per value, the
 * time redact() takes per KiB of text (the fastest of RUNS passes over both corpora), and how many lines of each
 * corpus it changes (the functions' own output, and lines of random identifiers and digests), none of which
 * holds a registered value: each change is a spurious redaction.
 */
export async function redactorAtScale(count = 5_000): Promise<void> {
  const corpora = { output: await functionOutput(), identifiers: identifierLines(5_000) };
  const all = [...corpora.output, ...corpora.identifiers];
  const kib = kibOf(all);
  for (const [kind, values] of Object.entries(VALUE_KINDS)) {
    const redactor = new Redactor();
    const registered = values(count);
    const started = performance.now();
    for (const value of registered) redactor.add(value);
    const addMs = performance.now() - started;
    let fastest = Number.POSITIVE_INFINITY;
    for (let run = 0; run < RUNS; run += 1) {
      const t0 = performance.now();
      for (const line of all) redactor.redact(line);
      fastest = Math.min(fastest, performance.now() - t0);
    }
    const spurious = (lines: string[]) => lines.filter((line) => redactor.redact(line) !== line).length;
    console.log(
      `bench p7 values=${redactor.size} kind=${kind} bytes_per_value=${Math.round(redactor.retainedBytes / redactor.size)} ` +
        `add_us_per_value=${Math.round((addMs * 1000) / count)} redact_ms_per_kib=${(fastest / kib).toFixed(3)} ` +
        `output_lines=${corpora.output.length} output_kib=${Math.round(kibOf(corpora.output))} ` +
        `spurious_output_lines=${spurious(corpora.output)} identifier_lines=${corpora.identifiers.length} ` +
        `identifier_kib=${Math.round(kibOf(corpora.identifiers))} spurious_identifier_lines=${spurious(corpora.identifiers)}`,
    );
  }
}
