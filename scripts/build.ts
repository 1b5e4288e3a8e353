import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../infra/bundling';
import { ROTATOR_FUNCTIONS, bundleFunction } from './bundle-handler';

/** `npm run build`: bundles every function into dist/ and prints each bundle's size. */
async function main(): Promise<void> {
  const outDir = path.join(PROJECT_ROOT, 'dist');
  mkdirSync(outDir, { recursive: true });
  for (const [name, kind] of Object.entries(ROTATOR_FUNCTIONS)) {
    const { file, bytes } = await bundleFunction(kind, outDir);
    const gzipped = gzipSync(readFileSync(file)).length;
    console.log(
      `${name}: ${(bytes / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped -> ${path.relative(PROJECT_ROOT, file)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
