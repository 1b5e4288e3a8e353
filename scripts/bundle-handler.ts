import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { RotatorKind } from '../functions/config/types';
import type { RotatorDependencies } from '../functions/rotator/handler';
import { esbuildOptions } from '../infra/bundling';

/** What a function bundle exports: the Lambda handler, and the factory local runs use to swap the clock. */
export interface HandlerModule {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
  createHandler: (dependencies: RotatorDependencies) => (event: unknown, context: unknown) => Promise<unknown>;
}

/**
 * Bundles a rotator function with the stack's esbuild settings (without an embedded configuration, so it
 * reads ROTATOR_CONFIG_FILE) into `outDir`.
 */
export async function bundleFunction(kind: RotatorKind, outDir: string): Promise<{ file: string; bytes: number }> {
  const file = path.join(outDir, `${kind}-rotator.js`);
  const result = await build(esbuildOptions(kind, file));
  return { file, bytes: Object.values(result.metafile?.outputs ?? {}).reduce((sum, o) => sum + o.bytes, 0) };
}

/** Bundles and loads a rotator function, so local runs execute the same code Lambda does. */
export async function bundleHandler(kind: RotatorKind): Promise<{ module: HandlerModule; bytes: number }> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'bctr-'));
  try {
    const { file, bytes } = await bundleFunction(kind, outDir);
    return { module: require(file) as HandlerModule, bytes };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Function names as `npm run invoke` takes them. */
export const ROTATOR_FUNCTIONS: Record<string, RotatorKind> = {
  'storefront-rotator': 'storefront',
  'payments-rotator': 'payments',
  'b2b-rotator': 'b2b',
};
