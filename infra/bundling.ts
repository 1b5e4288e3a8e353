import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { EMBEDDED_CONFIG_DEFINE } from '../functions/config/load';
import type { RotatorKind } from '../functions/config/types';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Lambda runtime target; the bundle also runs on the Node 20 of local machines. */
export const BUNDLE_TARGET = 'node22';

/** The source file of each rotator function's handler. */
export function handlerEntry(kind: RotatorKind): string {
  return path.join(PROJECT_ROOT, 'functions', `${kind}-rotator`, 'index.ts');
}

/**
 * The esbuild settings of every function bundle, shared by the CDK stack (through NodejsFunction) and by
 * `npm start` / `npm run invoke`, so the local run executes the code Lambda runs. The AWS SDK is bundled,
 * not taken from the runtime: the timeouts this product relies on need the tested SDK version.
 */
export function bundleSettings(embeddedConfigJson?: string) {
  return {
    platform: 'node' as const,
    format: 'cjs' as const,
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: false,
    externalModules: [] as string[],
    define: (embeddedConfigJson === undefined
      ? {}
      : { [EMBEDDED_CONFIG_DEFINE]: JSON.stringify(embeddedConfigJson) }) as Record<string, string>,
  };
}

/** The same settings as esbuild's own build options, for bundling outside CDK. */
export function esbuildOptions(kind: RotatorKind, outfile: string, embeddedConfigJson?: string): BuildOptions {
  const { externalModules, ...settings } = bundleSettings(embeddedConfigJson);
  return {
    ...settings,
    entryPoints: [handlerEntry(kind)],
    outfile,
    bundle: true,
    external: externalModules,
    logLevel: 'warning',
    metafile: true,
  };
}
