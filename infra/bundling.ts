import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { EMBEDDED_CONFIG_DEFINE } from '../functions/config/load';
import type { RotatorKind } from '../functions/config/types';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Lambda runtime target; the bundle also runs on the Node 20 of local machines. */
export const BUNDLE_TARGET = 'node22';

/**
 * The most a function bundle may weigh, minified (the source map lives beside it and is not counted).
 * `npm run build` and the bundle tests fail above it: a bigger bundle is more code to compile on every
 * cold start, and the usual cause is an import that drags in a whole library.
 */
export const MAX_BUNDLE_BYTES = 500 * 1024;

/**
 * Node options of every function: stack traces name our source files and lines, through the source map
 * beside the bundle. A source map holds file names, positions and identifiers of the source (here not even
 * its text), never a runtime value, so a trace shows nothing it did not show before. Node 24, which the
 * functions run on, reads the map only when it first formats a stack trace, so a cold start does not pay for
 * it; Node 20 and 22 read and parse it as the bundle loads (measured on Node 20: 1.79 times an empty
 * module's load with it, 1.65 without).
 */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/**
 * Credential sources the AWS SDK imports on demand (`import()`), and only outside Lambda: profiles and SSO,
 * web identity, credential processes, container and instance metadata. Lambda puts the role's credentials in
 * the environment, which the SDK's environment provider reads first, so there they are never loaded. Left
 * out of the bundle (124 KiB, a quarter of it), they load from node_modules when a local run needs one. The
 * request handler and its timeouts stay bundled.
 */
export const OFF_LAMBDA_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/** The source file of each rotator function's handler. */
export function handlerEntry(kind: RotatorKind): string {
  return path.join(PROJECT_ROOT, 'functions', `${kind}-rotator`, 'index.ts');
}

/**
 * The esbuild settings of every function bundle, shared by the CDK stack (through NodejsFunction) and by
 * `npm start` / `npm run invoke` / `npm run bench`, so local runs execute the code Lambda runs.
 *
 * - The AWS SDK is bundled, not taken from the runtime: hung AWS calls must fail (`throwOnRequestTimeout`),
 *   which needs the tested SDK version, and the runtime's copy is the version AWS pinned for it, which we
 *   could not show to have that option. Only the credential providers above are left out.
 * - `mainFields` prefers packages' ES module builds: the SDK's CommonJS builds are one file per package that
 *   esbuild cannot tree-shake (measured: 484 KiB of SDK in a bundle, 312 KiB with the ES builds).
 * - Our modules take zod from `functions/config/zod.ts`, which is zod/mini with English messages: zod's
 *   classic API weighs 92 KiB in a bundle, zod/mini 32 (and through `import { z } from 'zod'` esbuild kept
 *   zod's whole namespace, its 40-odd locales included). The bundle test fails if the classic API or another
 *   locale comes back.
 * - The source map is a separate file (`index.js.map`, about 510 KiB): inline, it would make the bundle
 *   three times bigger. Without the sources' text in it (`sourcesContent`, 1.8 MiB with it), a trace still
 *   names files and lines.
 * - Powertools (31 KiB) and middy (3 KiB) stay as they are: small, and used by every run.
 */
export function bundleSettings(embeddedConfigJson?: string) {
  return {
    platform: 'node' as const,
    format: 'cjs' as const,
    target: BUNDLE_TARGET,
    minify: true,
    mainFields: ['module', 'main'],
    sourcemap: true,
    sourcesContent: false,
    externalModules: OFF_LAMBDA_CREDENTIAL_PROVIDERS,
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
