import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RotatorKind } from '../../functions/config/types';
import { FUNCTION_NODE_OPTIONS, MAX_BUNDLE_BYTES, PROJECT_ROOT } from '../../infra/bundling';
import { type FunctionBundle, bundleFunction, heaviestInputs } from '../../scripts/bundle-handler';
import { auditText } from '../support/audit';

/** What only one function's families put into a bundle: their source files, and a string each sends. */
const FAMILY_CODE: Record<RotatorKind, { files: string[]; markers: string[] }> = {
  storefront: {
    files: [
      'functions/families/storefront.ts',
      'functions/bigcommerce/storefront-tokens.ts',
      'functions/bigcommerce/storefront-graphql.ts',
    ],
    markers: ['{ site { settings { storeName } } }', '/storefront/api-token-customer-impersonation'],
  },
  payments: {
    files: ['functions/families/stored-instruments.ts', 'functions/bigcommerce/stored-instruments.ts'],
    markers: ['/v3/payments/stored-instruments/access-tokens'],
  },
  b2b: {
    files: ['functions/families/b2b-backend.ts', 'functions/bigcommerce/b2b-tokens.ts'],
    markers: ['/auth/backend', '/backend/tokens'],
  },
};
const KINDS = Object.keys(FAMILY_CODE) as RotatorKind[];

// Inside the project's ignored test artifacts, so no run leaves bundles behind in the system temp directory.
const ARTIFACTS = path.join(PROJECT_ROOT, '.jest-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const OUT = mkdtempSync(path.join(ARTIFACTS, 'bundles-'));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const bundles = new Map<RotatorKind, FunctionBundle>();
beforeAll(async () => {
  for (const kind of KINDS) bundles.set(kind, await bundleFunction(kind, path.join(OUT, kind)));
}, 60_000);

function bundleOf(kind: RotatorKind): { bundle: FunctionBundle; code: string; inputs: string[] } {
  const bundle = bundles.get(kind);
  if (!bundle) throw new Error(`no ${kind} bundle`);
  const inputs = Object.values(bundle.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
  return { bundle, code: readFileSync(bundle.file, 'utf8'), inputs: inputs.map((i) => path.relative(PROJECT_ROOT, i)) };
}

describe.each(KINDS)('the %s function bundle', (kind) => {
  it(`is at most ${MAX_BUNDLE_BYTES / 1024} KiB minified`, () => {
    const { bundle } = bundleOf(kind);
    if (bundle.bytes > MAX_BUNDLE_BYTES) {
      throw new Error(`${bundle.bytes} bytes; heaviest: ${heaviestInputs(bundle.metafile, 5)}`);
    }
  });

  it('holds its own families and no other function’s', () => {
    const { code, inputs } = bundleOf(kind);
    for (const other of KINDS) {
      const { files, markers } = FAMILY_CODE[other];
      for (const file of files) expect(inputs.includes(file)).toBe(other === kind);
      for (const marker of markers) expect(code.includes(marker)).toBe(other === kind);
    }
  });

  it('holds zod’s English messages and none of its other locales', () => {
    const locales = codeInputs(kind).filter((input) => input.includes('zod/v4/locales/'));
    expect(locales).toEqual(['node_modules/zod/v4/locales/en.js']);
  });

  it('holds zod/mini and not zod’s classic API, which would bring back 60 KiB to compile at every cold start', () => {
    const zod = codeInputs(kind).filter((input) => input.includes('node_modules/zod/'));
    expect(zod.some((input) => input.includes('zod/v4/mini/'))).toBe(true);
    expect(zod.filter((input) => input.includes('zod/v4/classic/'))).toEqual([]);
  });

  it('has a source map beside it, without the sources themselves', () => {
    const { bundle, code } = bundleOf(kind);
    expect(code.trimEnd().endsWith(`//# sourceMappingURL=${path.basename(bundle.file)}.map`)).toBe(true);
    const map = JSON.parse(readFileSync(`${bundle.file}.map`, 'utf8')) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources).toContain(path.relative(path.dirname(bundle.file), handlerEntryOf(kind)));
    expect(map.sourcesContent).toBeUndefined();
  });
});

/** The input files that put code in the bundle: a file of re-exports alone contributes nothing. */
function codeInputs(kind: RotatorKind): string[] {
  const { bundle } = bundleOf(kind);
  return Object.values(bundle.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => path.relative(PROJECT_ROOT, input)),
  );
}

function handlerEntryOf(kind: RotatorKind): string {
  return path.join(PROJECT_ROOT, 'functions', `${kind}-rotator`, 'index.ts');
}

it('names our source file and line in a stack trace, with the functions’ Node options', () => {
  const { bundle } = bundleOf('payments');
  // No configuration: the first invocation fails in functions/config/load.ts, and the error is rethrown.
  const script = `
    const context = { functionName: 'payments-rotator', awsRequestId: 'r', getRemainingTimeInMillis: () => 60000 };
    require(process.argv[1]).handler({}, context).then(
      () => process.exit(3),
      (error) => { process.stderr.write('STACK ' + error.stack + '\\n'); },
    );`;
  const { ROTATOR_CONFIG: _config, ROTATOR_CONFIG_FILE: _file, ...inherited } = process.env;
  const env = { ...inherited, NODE_OPTIONS: FUNCTION_NODE_OPTIONS, POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const result = spawnSync(process.execPath, ['-e', script, bundle.file], { env, encoding: 'utf8', timeout: 30_000 });
  auditText('bundle stack trace', `${result.stdout}\n${result.stderr}`);
  const stack = result.stderr.slice(result.stderr.indexOf('STACK '));
  expect(stack).toMatch(/ConfigError/);
  expect(stack).toMatch(/functions\/config\/load\.ts:\d+:\d+/);
});
