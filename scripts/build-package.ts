import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROTATOR_KINDS } from '../functions/config/types';
import { MAX_BUNDLE_BYTES, PROJECT_ROOT, esbuild, esbuildOptions, prebuiltBundleDir } from '../infra/bundling';

const DIST = path.join(PROJECT_ROOT, 'dist');
const kib = (bytes: number) => (bytes / 1024).toFixed(1);

/**
 * `npm run build:package` (and `npm pack`, through prepack): what the published package holds, in dist/. The
 * CDK construct and the reader compiled to JavaScript with their declarations (tsconfig.build.json), and each
 * function's bundle as the stack deploys it, in dist/lambda/<kind>, so that an app that installs the package
 * synthesizes without esbuild or the functions' sources: the construct copies the bundle into the function's
 * asset and writes the validated configuration beside it (writeFunctionAsset).
 */
function main(): void {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`);
  for (const kind of ROTATOR_KINDS) {
    const dir = prebuiltBundleDir(kind, DIST);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'index.js');
    esbuild().buildSync(esbuildOptions(kind, file, true));
    const code = readFileSync(file);
    console.log(`${kind}: ${kib(code.length)} KiB minified, ${kib(gzipSync(code).length)} KiB gzipped`);
    if (code.length > MAX_BUNDLE_BYTES) throw new Error(`${kind} bundle is over ${kib(MAX_BUNDLE_BYTES)} KiB`);
  }
}

main();
