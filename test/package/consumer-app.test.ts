import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { DEPLOYED_CONFIG_FILE, readDeployedConfig } from '../../functions/config/load';
import { ROTATOR_KINDS } from '../../functions/config/types';
import { PROJECT_ROOT } from '../../infra/bundling';
import { HEAP_WRAPPER_FILE } from '../../infra/heap-wrapper';
import { validationViolations } from '../../scripts/template-checks';

/**
 * The package where its users stand: packed with `npm pack` (whose prepack builds dist/), installed from the
 * tarball into a CDK app of their own (test/fixtures/consumer-app, copied outside the repository so that nothing
 * resolves from the repository's node_modules by accident), compiled with tsc against the installed declarations,
 * and synthesized by the CDK CLI with its Region resolved, cdk-nag's AWS Solutions pack applied and every asset
 * bundled. The app's CDK libraries are the repository's (linked, not downloaded again); the package and its own
 * dependencies are installed by npm.
 */

const run = promisify(execFile);
const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'consumer-app');
const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
/** What the app takes from the repository's node_modules, as a user's app has them installed itself. */
const LINKED = ['aws-cdk-lib', 'constructs', '@aws-sdk/client-secrets-manager', '@types/node', 'esbuild'];

interface Packed {
  filename: string;
  files: { path: string }[];
}

/** The environment of the app's commands: none of this machine's AWS settings, no network for the CLI. */
function appEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AWS|CDK)_/.test(key)));
  return {
    ...env,
    AWS_REGION: REGION,
    CDK_DEFAULT_ACCOUNT: ACCOUNT,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

describe('the packed package in a CDK app of its own', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-consumer-'));
  const appDir = path.join(dir, 'app');
  const modules = path.join(appDir, 'node_modules');
  let packed: Packed;
  let synth: { code: number; output: string };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: PROJECT_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    // The prepack script's output comes first; npm's account of the tarball is the JSON array at the end.
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.lastIndexOf('\n[') + 1)) as Packed[])[0] as Packed;

    cpSync(FIXTURE, appDir, { recursive: true });
    cpSync(path.join(PROJECT_ROOT, 'rotator.config.json'), path.join(appDir, 'rotator.config.json'));
    writeFileSync(
      path.join(appDir, 'package.json'),
      JSON.stringify({
        name: 'consumer-app',
        private: true,
        dependencies: { 'bigcommerce-token-rotator': `file:${path.join(dir, packed.filename)}` },
      }),
    );
    // The peer dependencies are linked after the install, so npm neither fetches them nor prunes the links.
    await run('npm', ['install', '--prefer-offline', '--legacy-peer-deps', '--no-audit', '--no-fund'], {
      cwd: appDir,
      env: appEnv(),
    });
    for (const name of LINKED) {
      mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      symlinkSync(path.join(PROJECT_ROOT, 'node_modules', name), path.join(modules, name));
    }
    mkdirSync(path.join(modules, '.bin'));
    symlinkSync('../esbuild/bin/esbuild', path.join(modules, '.bin', 'esbuild'));

    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', appDir], { cwd: appDir });
    const cdk = path.join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    synth = await run(process.execPath, [cdk, 'synth', '--quiet', '--no-notices', '--output', 'cdk.out'], {
      cwd: appDir,
      env: appEnv(),
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
      }),
    );
  }, 300_000);

  const assembly = () => path.join(appDir, 'cdk.out');
  const template = () => JSON.parse(readFileSync(path.join(assembly(), 'Shop.template.json'), 'utf8'));
  const resources = (type: string): [string, any][] =>
    Object.entries(template().Resources as Record<string, any>).filter(([, r]) => r.Type === type);

  it('holds only what an app needs: the compiled construct and reader, their declarations, the bundles', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => /(^|\/)(test|sandbox|scripts|node_modules)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => !/^dist\/(infra|functions|reader|lambda)\//.test(p)).sort()).toEqual([
      'README.md',
      'package.json',
    ]);
    for (const entry of ['dist/infra/index.js', 'dist/infra/index.d.ts', 'dist/reader/index.js']) {
      expect(paths).toContain(entry);
    }
    for (const kind of ROTATOR_KINDS) expect(paths).toContain(`dist/lambda/${kind}/index.js`);
  });

  it('imports, in its compiled code and declarations, only what it declares as a dependency', () => {
    const manifest = JSON.parse(readFileSync(path.join(modules, 'bigcommerce-token-rotator', 'package.json'), 'utf8'));
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const undeclared = packed.files
      .map((f) => f.path)
      .filter((p) => /^dist\/(infra|functions|reader)\/.*\.js$|\.d\.ts$/.test(p))
      .flatMap((p) => {
        const text = readFileSync(path.join(modules, 'bigcommerce-token-rotator', p), 'utf8');
        return ts
          .preProcessFile(text, true, true)
          .importedFiles.map((i) => i.fileName)
          .filter((name) => !name.startsWith('.') && !builtinModules.includes(name.replace(/^node:/, '')))
          .map((name) => name.match(/^(@[^/]+\/)?[^/]+/)?.[0] as string)
          .filter((name) => !declared.has(name))
          .map((name) => `${p}: ${name}`);
      });
    // esbuild bundles the functions from the repository's sources. The package holds no sources, only prebuilt
    // bundles, which the construct copies without loading it (the asset test below compares them byte for byte).
    expect(undeclared).toEqual(['dist/infra/bundling.js: esbuild']);
  });

  it('synthesizes through the CDK CLI with no unacknowledged cdk-nag finding', () => {
    expect({ code: synth.code, output: synth.code === 0 ? '' : synth.output }).toEqual({ code: 0, output: '' });
    expect(validationViolations(assembly())).toEqual([]);
  });

  it("adds the rotator's functions, each with the packed bundle, the configuration validated at synth and the heap wrapper", () => {
    const config = JSON.parse(readFileSync(path.join(appDir, 'rotator.config.json'), 'utf8'));
    const functions = resources('AWS::Lambda::Function').filter(([, r]) =>
      /^Rotates BigCommerce/.test(r.Properties.Description),
    );
    expect(functions.map(([, r]) => r.Properties.Description).sort()).toEqual(
      [...ROTATOR_KINDS].sort().map((kind) => `Rotates BigCommerce ${kind} tokens into Secrets Manager`),
    );
    for (const [, fn] of functions) {
      const kind = (fn.Properties.Description as string).split(' ')[2] as string;
      const asset = path.join(assembly(), fn.Metadata['aws:asset:path']);
      const bundle = path.join(modules, 'bigcommerce-token-rotator', 'dist', 'lambda', kind, 'index.js');
      expect(readdirSync(asset).sort()).toEqual(
        ['index.js', 'index.js.map', DEPLOYED_CONFIG_FILE, HEAP_WRAPPER_FILE].sort(),
      );
      expect(readFileSync(path.join(asset, 'index.js')).equals(readFileSync(bundle))).toBe(true);
      expect(statSync(path.join(asset, HEAP_WRAPPER_FILE)).mode & 0o111).toBe(0o111);
      const deployed = readDeployedConfig(path.join(asset, DEPLOYED_CONFIG_FILE));
      expect(deployed.tokens.map((t) => t.id)).toEqual(config.tokens.map((t: { id: string }) => t.id));
    }
  });

  it("grants the app's own function read access to its one token, in the Region the CLI resolved", () => {
    const [, storefront] = resources('AWS::Lambda::Function').find(([id]) => id.startsWith('Storefront')) ?? [];
    expect(storefront.Properties.Environment.Variables.TOKEN_SECRET_ID).toBe(
      'bigcommerce/abc123xyz/headless-storefront',
    );
    const roleId = storefront.Properties.Role['Fn::GetAtt'][0];
    const policies = resources('AWS::IAM::Policy').filter(([, p]) =>
      p.Properties.Roles.some((r: any) => r.Ref === roleId),
    );
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const secretArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          `:secretsmanager:${REGION}:${ACCOUNT}:secret:bigcommerce/abc123xyz/headless-storefront-??????`,
        ],
      ],
    };
    // The token's two labels a consumer reads, its description, and the key only for that secret, through Secrets Manager.
    expect(statements).toContainEqual({
      Action: 'secretsmanager:GetSecretValue',
      Condition: { StringEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] } },
      Effect: 'Allow',
      Resource: secretArn,
    });
    expect(statements).toContainEqual({
      Action: 'secretsmanager:DescribeSecret',
      Effect: 'Allow',
      Resource: secretArn,
    });
    const [keyId] = resources('AWS::KMS::Key').map(([id]) => id);
    expect(statements).toContainEqual({
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
      },
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    // Nothing else of the product's secrets: the grant names one secret, and the app's queue is its own grant.
    const secretResources = statements
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')))
      .map((s: any) => s.Resource);
    expect(secretResources).toEqual([secretArn, secretArn]);
  });

  it('loads the reader from its subpath, as the function bundled from the app does', async () => {
    const { stdout } = await run(
      process.execPath,
      ['-p', "typeof require('bigcommerce-token-rotator/reader').createTokenReader"],
      { cwd: appDir },
    );
    expect(stdout.trim()).toBe('function');
  });
});

describe("the construct's documentation", () => {
  const fixtureFiles = ['app.ts', 'storefront/index.ts'].map((f) => readFileSync(path.join(FIXTURE, f), 'utf8'));
  /** The TypeScript blocks of a Markdown text. */
  const blocks = (markdown: string) =>
    [...markdown.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const readmeSection = readme.slice(
    readme.indexOf('## Using it in your own CDK app'),
    readme.indexOf('\n## ', readme.indexOf('## Using it in your own CDK app') + 1),
  );

  it.each([
    ['docs/cdk-construct.md', readFileSync(path.join(PROJECT_ROOT, 'docs', 'cdk-construct.md'), 'utf8')],
    ['README.md', readmeSection],
  ])('%s shows only code of the consumer app above, which tsc and the CDK CLI check', (_, markdown) => {
    const code = blocks(markdown);
    expect(code.length).toBeGreaterThan(0);
    // Each paragraph of code is the fixture's, word for word.
    const paragraphs = code.flatMap((block) => block.split(/\n\s*\n/)).map((p) => p.trim());
    expect(paragraphs.filter((p) => !fixtureFiles.some((file) => file.includes(p)))).toEqual([]);
  });
});
