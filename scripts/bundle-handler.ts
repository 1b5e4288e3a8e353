import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Metafile, build } from 'esbuild';
import type { RotatorKind } from '../functions/config/types';
import type { RotatorDependencies } from '../functions/rotator/handler';
import { PROJECT_ROOT, esbuildOptions } from '../infra/bundling';

/** What a function bundle exports: the Lambda handler, and the factory local runs use to swap the clock. */
export interface HandlerModule {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
  createHandler: (dependencies: RotatorDependencies) => (event: unknown, context: unknown) => Promise<unknown>;
}

export interface FunctionBundle {
  /** The bundle; its source map is `${file}.map`. */
  file: string;
  /** The bundle's size, minified, without the source map. */
  bytes: number;
  gzipBytes: number;
  /** esbuild's account of which input files the bundle holds, and how many bytes of each. */
  metafile: Metafile;
}

/**
 * Bundles a rotator function with the stack's esbuild settings into `outDir`, for local use: it reads
 * ROTATOR_CONFIG or ROTATOR_CONFIG_FILE (the deployed bundle reads the file beside it: writeFunctionAsset).
 */
export async function bundleFunction(kind: RotatorKind, outDir: string): Promise<FunctionBundle> {
  const file = path.join(outDir, `${kind}-rotator.js`);
  const result = await build(esbuildOptions(kind, file));
  const code = readFileSync(file);
  return { file, bytes: code.length, gzipBytes: gzipSync(code).length, metafile: result.metafile as Metafile };
}

/**
 * Bundles and loads a rotator function, so local runs execute the same code Lambda does. The bundle is
 * written inside the project, so that the credential providers left out of it (an AWS profile, SSO) load
 * from the project's node_modules when a local run needs them.
 */
export async function bundleHandler(kind: RotatorKind): Promise<{ module: HandlerModule; bytes: number }> {
  const cacheDir = path.join(PROJECT_ROOT, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const outDir = mkdtempSync(path.join(cacheDir, 'bctr-'));
  try {
    const { file, bytes } = await bundleFunction(kind, outDir);
    return { module: require(file) as HandlerModule, bytes };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The packages (our own code: its top folders) that weigh most in a bundle, heaviest first. */
export function heaviestInputs(metafile: Metafile, count: number): string {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const owner = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? input.split('/').slice(0, 2).join('/');
      bytes.set(owner, (bytes.get(owner) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([owner, n]) => `${owner} ${(n / 1024).toFixed(1)} KiB`)
    .join(', ');
}

/** Function names as `npm run invoke` takes them. */
export const ROTATOR_FUNCTIONS: Record<string, RotatorKind> = {
  'storefront-rotator': 'storefront',
  'payments-rotator': 'payments',
  'b2b-rotator': 'b2b',
};
