import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '../..');

/** What a consumer's bundle of reader/index.ts holds: the project's files and the packages. */
async function bundleInputs(): Promise<{ ownFiles: string[]; packages: string[] }> {
  const out = await build({
    entryPoints: [path.join(ROOT, 'reader/index.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(out.metafile.inputs);
  const packages = inputs
    .filter((input) => input.includes('node_modules/'))
    .map((input) => {
      const parts = (input.split('node_modules/').pop() as string).split('/');
      return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
    });
  return {
    ownFiles: inputs.filter((input) => !input.includes('node_modules/')).sort(),
    packages: [...new Set(packages)],
  };
}

describe('the reader is importable on its own', () => {
  it('bundles only reader/ of this project, and of packages only the Secrets Manager client and its own', async () => {
    const { ownFiles, packages } = await bundleInputs();

    expect(ownFiles).toEqual([
      'reader/errors.ts',
      'reader/index.ts',
      'reader/stored-value.ts',
      'reader/token-reader.ts',
    ]);
    expect(packages).toContain('@aws-sdk/client-secrets-manager');
    const productOnly = [
      'zod',
      '@aws-lambda-powertools/logger',
      '@middy/core',
      '@aws-sdk/client-eventbridge',
      'aws-cdk-lib',
    ];
    expect(packages.filter((p) => productOnly.includes(p))).toEqual([]);
  });
});
