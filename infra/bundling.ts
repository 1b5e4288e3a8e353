import { createHash } from 'node:crypto';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { BuildOptions } from 'esbuild';
import { DEPLOYED_CONFIG_DEFINE, DEPLOYED_CONFIG_FILE, deployedConfigText } from '../functions/config/load';
import type { RotatorConfig, RotatorKind } from '../functions/config/types';
import { HEAP_WRAPPER_FILE, heapWrapperScript } from './heap-wrapper';

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

/**
 * Where the published package keeps each function's bundle, built as the stack deploys it when the package is
 * packed (`npm pack` runs scripts/build-package.ts): beside the compiled CDK code, `dist/lambda/<kind>`. From the
 * repository's sources there is no such folder, and the functions are bundled from source at synth.
 */
export function prebuiltBundleDir(kind: RotatorKind, root = path.resolve(__dirname, '..')): string {
  return path.join(root, 'lambda', kind);
}

/**
 * esbuild, loaded only to bundle from source. It is a development dependency: an installed package has its
 * bundles prebuilt and neither has nor loads it (nor declares it: `@internal` keeps this out of the package's
 * declarations).
 * @internal
 */
export function esbuild(): typeof import('esbuild') {
  return require('esbuild');
}

/** The source file of each rotator function's handler. */
export function handlerEntry(kind: RotatorKind): string {
  return path.join(PROJECT_ROOT, 'functions', `${kind}-rotator`, 'index.ts');
}

/** The Lambda runtime of every function. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The esbuild settings of every function bundle, shared by the CDK stack and by `npm start` / `npm run invoke` /
 * `npm run build` / `npm run bench`, so local runs execute the code Lambda runs. `deployed` makes the bundle
 * the stack deploys, which reads its configuration from the file beside it (see writeFunctionAsset); without
 * it the bundle reads ROTATOR_CONFIG or ROTATOR_CONFIG_FILE, as local runs do.
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
 * @internal
 */
export function esbuildOptions(kind: RotatorKind, outfile: string, deployed = false): BuildOptions {
  return {
    entryPoints: [handlerEntry(kind)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLE_TARGET,
    minify: true,
    mainFields: ['module', 'main'],
    sourcemap: true,
    sourcesContent: false,
    external: OFF_LAMBDA_CREDENTIAL_PROVIDERS,
    define: deployed ? { [DEPLOYED_CONFIG_DEFINE]: JSON.stringify(DEPLOYED_CONFIG_FILE) } : {},
    logLevel: 'warning',
    metafile: true,
  };
}

/**
 * A function's asset as the stack deploys it, written into `outDir`: the bundle (`index.js` and its source map),
 * copied from the package's prebuilt bundles when there are (prebuiltBundleDir) and bundled from source otherwise,
 * and, beside it, the configuration validated at synth (DEPLOYED_CONFIG_FILE), which the bundle reads once per
 * container, and the wrapper that sizes its young generation (HEAP_WRAPPER_FILE). esbuild runs through its API
 * and the configuration is written as a file, so neither the configuration nor anything of its size reaches a
 * command line (Linux refuses one argument over 128 KiB, which a configuration passed to esbuild's `--define`
 * passes at a few hundred tokens). Returns the bundle's path.
 */
export function writeFunctionAsset(kind: RotatorKind, outDir: string, config: RotatorConfig): string {
  const file = path.join(outDir, 'index.js');
  const prebuilt = prebuiltBundleDir(kind);
  if (existsSync(prebuilt)) cpSync(prebuilt, outDir, { recursive: true });
  else esbuild().buildSync(esbuildOptions(kind, file, true));
  writeFileSync(path.join(outDir, DEPLOYED_CONFIG_FILE), deployedConfigText(config));
  writeFileSync(path.join(outDir, HEAP_WRAPPER_FILE), heapWrapperScript(), { mode: 0o755 });
  return file;
}

/**
 * CDK's local bundling of a function: writeFunctionAsset into the asset's staging directory. Its enumerable
 * fields are part of the key under which CDK caches a bundled asset within one app, so they name the function
 * and its configuration (by digest): two stacks of one app with different configurations never share an asset.
 */
class FunctionAssetBundling implements ILocalBundling {
  readonly configSha256: string;
  readonly #config: RotatorConfig;

  constructor(
    readonly kind: RotatorKind,
    config: RotatorConfig,
  ) {
    this.#config = config;
    this.configSha256 = createHash('sha256').update(deployedConfigText(config)).digest('hex');
  }

  tryBundle(outputDir: string): boolean {
    writeFunctionAsset(this.kind, outputDir, this.#config);
    return true;
  }
}

/**
 * A rotator function's code: its asset, bundled locally (Docker is never used: the image is named because CDK
 * requires one). The asset's hash is its content's, bundle and configuration file alike, so a change to either
 * redeploys the function and nothing else does.
 */
export function functionCode(kind: RotatorKind, config: RotatorConfig): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: { image: FUNCTION_RUNTIME.bundlingImage, local: new FunctionAssetBundling(kind, config) },
  });
}
