import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MAX_BUNDLE_BYTES, PROJECT_ROOT } from '../infra/bundling';
import { ROTATOR_FUNCTIONS, bundleFunction, heaviestInputs } from './bundle-handler';

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

/**
 * `npm run build`: bundles every function into dist/, prints each bundle's size, and fails when a bundle
 * exceeds MAX_BUNDLE_BYTES (naming the packages that weigh most, which is where the fix usually lies).
 */
async function main(): Promise<void> {
  const outDir = path.join(PROJECT_ROOT, 'dist');
  mkdirSync(outDir, { recursive: true });
  const tooBig: string[] = [];
  for (const [name, kind] of Object.entries(ROTATOR_FUNCTIONS)) {
    const { file, bytes, gzipBytes, metafile } = await bundleFunction(kind, outDir);
    console.log(
      `${name}: ${kib(bytes)} KiB minified, ${kib(gzipBytes)} KiB gzipped -> ${path.relative(PROJECT_ROOT, file)}`,
    );
    if (bytes > MAX_BUNDLE_BYTES) tooBig.push(`${name} is ${kib(bytes)} KiB; heaviest: ${heaviestInputs(metafile, 5)}`);
  }
  if (tooBig.length > 0) {
    console.error(`Bundles over ${kib(MAX_BUNDLE_BYTES)} KiB:\n  ${tooBig.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
