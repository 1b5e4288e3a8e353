import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { DEPLOYED_CONFIG_FILE, deployedConfigText, loadConfigFile } from '../../functions/config/load';
import { parseConfig } from '../../functions/config/schema';
import { FAMILY_ROTATOR, ROTATOR_KINDS, type RotatorKind } from '../../functions/config/types';
import { FUNCTION_NODE_OPTIONS, PROJECT_ROOT } from '../../infra/bundling';
import { FUNCTION_SEMI_SPACE_MB, HEAP_WRAPPER_FILE, HEAP_WRAPPER_PATH } from '../../infra/heap-wrapper';
import { TOKEN_DATA_IDENTIFIERS } from '../../infra/log-data-protection';
import { MANAGED_SECRET_TAG, MAX_OUTPUTS, MAX_RESOURCES, type TokenRotatorStack } from '../../infra/stack';
import { LARGE_FLEET, largeFleetConfig } from '../../sandbox/fleet-config';
import { cfnLint, validationViolations } from '../../scripts/template-checks';
import { auditText } from '../support/audit';
import { RESOLVED_ENVIRONMENT, type UserSynthesis, useUserSynthesis } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

/**
 * The app synthesized where users stand (`npx cdk synth`: cdk.json's context, the functions bundled, the account
 * and Region resolved), for the repository's configuration and for 5,000 tokens across 1,250 stores. Every check
 * that synthesis on the user's path must pass is made here, once: cdk-nag, cfn-lint, CloudFormation's limits,
 * the policies' size, the functions' assets. The CLI itself runs the same over three Regions and
 * environment-agnostic in `npm run synth:check` (CI).
 */

/** CloudFormation's other limits on a template: parameters, and the body of a template read from S3. */
const MAX_PARAMETERS = 200;
const MAX_TEMPLATE_BYTES = 1_000_000;
/** Room to spare: every template stays under this share of each limit. */
const HEADROOM = 0.8;

const EXAMPLE_CONFIG = path.join(PROJECT_ROOT, 'rotator.config.json');
const synthesize = useUserSynthesis();
let example: UserSynthesis;
let fleet: UserSynthesis;

beforeAll(() => {
  example = synthesize(JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')), 'user-example');
  fleet = synthesize(largeFleetConfig(), 'user-fleet');
  process.stdout.write(
    `synthesized bundled in ${RESOLVED_ENVIRONMENT.region}: the example in ${example.ms} ms, ` +
      `${LARGE_FLEET.tokens} tokens in ${fleet.ms} ms (${fleet.templates.length} templates)\n`,
  );
}, 900_000);

/** Each rotator role's policy document as JSON, by role. */
function rolePolicies(stack: TokenRotatorStack): Map<string, string> {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return new Map(
    Object.entries(policies)
      .filter(([id]) => /^[A-Za-z0-9]+RotatorRole/.test(id))
      .map(([id, p]) => [id.replace(/RoleDefaultPolicy.*$/, ''), JSON.stringify(p.Properties.PolicyDocument)]),
  );
}

interface TemplateSize {
  file: string;
  bytes: number;
  resources: number;
  outputs: number;
  parameters: number;
}

function templateSize(file: string): TemplateSize {
  const body = JSON.parse(readFileSync(file, 'utf8'));
  return {
    file: path.basename(file),
    bytes: statSync(file).size,
    resources: Object.keys(body.Resources ?? {}).length,
    outputs: Object.keys(body.Outputs ?? {}).length,
    parameters: Object.keys(body.Parameters ?? {}).length,
  };
}

/** Each function's asset directory in the cloud assembly, by kind: where its Code's S3 key (the hash) points. */
function functionAssets(synthesis: UserSynthesis): Map<RotatorKind, string> {
  const functions = Template.fromStack(synthesis.stack).findResources('AWS::Lambda::Function');
  return new Map(
    [...synthesis.stack.rotators].map(([kind, rotator]) => {
      const id = synthesis.stack.getLogicalId(rotator.function.node.defaultChild as lambda.CfnFunction);
      const key: string = functions[id]?.Properties.Code.S3Key;
      return [kind, path.join(synthesis.directory, `asset.${key.replace(/\.zip$/, '')}`)];
    }),
  );
}

describe('synthesis where users stand: functions bundled, account and Region resolved, cdk.json applied', () => {
  it('leaves no unacknowledged cdk-nag finding (AWS Solutions, PCI DSS 3.2.1, NIST 800-53 rev. 5), nor any other', () => {
    expect(validationViolations(example.directory)).toEqual([]);
    expect(validationViolations(fleet.directory)).toEqual([]);
    // The wildcards on managed and root-credential secrets are acknowledged as resolved here.
    const storefront = rolePolicies(fleet.stack).get('StorefrontRotator') as string;
    const secrets = `${RESOLVED_ENVIRONMENT.region}:${RESOLVED_ENVIRONMENT.account}:secret:`;
    expect(storefront).toContain(`${secrets}bigcommerce/*"`);
    expect(storefront).toContain(`${secrets}*"`);
  });

  it('passes cfn-lint without error, every template (root and nested), for the Region it is synthesized for', async () => {
    const files = [...example.templates, ...fleet.templates];
    const lint = await cfnLint(files, [RESOLVED_ENVIRONMENT.region]);
    process.stdout.write(
      `cfn-lint ${lint.version} on ${files.length} templates in ${lint.ms} ms: exit ${lint.exit}, ` +
        `${lint.counts.E} errors, ${lint.counts.W} warnings, ${lint.counts.I} informational\n`,
    );
    expect(example.templates.filter((f) => f.endsWith('.nested.template.json'))).toHaveLength(1);
    expect({ failed: lint.failed, errors: lint.errors.slice(0, 5) }).toEqual({ failed: false, errors: [] });
  }, 900_000);

  it(`puts ${LARGE_FLEET.tokens} tokens into nested stacks by store, each template within 80% of CloudFormation's limits`, () => {
    const tokens = [...fleet.stack.shards.values()].map((s) => s.secrets.size);
    expect(tokens.reduce((a, b) => a + b, 0)).toBe(LARGE_FLEET.tokens);
    const sizes = fleet.templates.map(templateSize);
    const nested = sizes.filter((t) => t.file.endsWith('.nested.template.json'));
    expect(nested).toHaveLength(fleet.stack.shards.size);
    for (const t of sizes) {
      expect({ file: t.file, resources: t.resources < MAX_RESOURCES * HEADROOM }).toEqual({
        file: t.file,
        resources: true,
      });
      expect({ file: t.file, outputs: t.outputs < MAX_OUTPUTS * HEADROOM }).toEqual({ file: t.file, outputs: true });
      expect({ file: t.file, parameters: t.parameters < MAX_PARAMETERS * HEADROOM }).toEqual({
        file: t.file,
        parameters: true,
      });
      expect({ file: t.file, bytes: t.bytes < MAX_TEMPLATE_BYTES * HEADROOM }).toEqual({ file: t.file, bytes: true });
    }
    // A nested stack's parameters are the key and the three functions and their roles, whatever its number of
    // tokens.
    expect(Math.max(...nested.map((t) => t.parameters))).toBeLessThanOrEqual(7);
    const root = sizes.find((t) => !nested.includes(t));
    const most = (key: keyof Omit<TemplateSize, 'file'>) => Math.max(...nested.map((t) => t[key]));
    process.stdout.write(
      `root ${JSON.stringify(root)}; ${nested.length} nested stacks, ${Math.min(...tokens)}-${Math.max(...tokens)} ` +
        `tokens each, at most ${most('resources')} resources, ${most('bytes')} bytes, ${most('parameters')} parameters\n`,
    );
  });

  it("keeps each rotator role's policy at 1,250 stores as small as for the example's one store, out of the managed secrets", () => {
    const few = rolePolicies(example.stack);
    const many = rolePolicies(fleet.stack);
    expect([...many.keys()].sort()).toEqual(['B2bRotator', 'PaymentsRotator', 'StorefrontRotator']);
    process.stdout.write(
      `role policies (characters): example ${JSON.stringify(Object.fromEntries([...few].map(([r, j]) => [r, j.length])))}, ` +
        `fleet ${JSON.stringify(Object.fromEntries([...many].map(([r, j]) => [r, j.length])))}\n`,
    );
    for (const [role, json] of many) {
      expect({ role, length: json.length < 6_000 }).toEqual({ role, length: true });
      expect(json.length).toBeLessThanOrEqual((few.get(role) as string).length * 1.5);
      const root = (JSON.parse(json).Statement as any[]).find((s) => s.Sid === 'RootCredentialsReadOnly');
      expect(root.Condition).toEqual({
        StringEquals: {
          [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}:BigCommerceTokenRotator`]:
            role === 'B2bRotator' ? 'b2b-login' : 'api-account',
        },
        Null: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: 'true' },
      });
    }
  });

  it('deploys each function with the validated configuration beside a bundle that does not depend on it', () => {
    const exampleAssets = functionAssets(example);
    const fleetAssets = functionAssets(fleet);
    expect([...fleetAssets.keys()].sort()).toEqual([...ROTATOR_KINDS].sort());
    const fleetConfig = parseConfig(largeFleetConfig());
    for (const kind of ROTATOR_KINDS) {
      const small = exampleAssets.get(kind) as string;
      const large = fleetAssets.get(kind) as string;
      expect(readFileSync(path.join(small, DEPLOYED_CONFIG_FILE), 'utf8')).toBe(
        deployedConfigText(loadConfigFile(EXAMPLE_CONFIG).config),
      );
      expect(readFileSync(path.join(large, DEPLOYED_CONFIG_FILE), 'utf8')).toBe(deployedConfigText(fleetConfig));
      // The same code whatever the configuration: 5,000 tokens add nothing to the bundle, and only the
      // configuration file tells the two assets apart, which is what gives the function a new asset to deploy.
      expect(small).not.toBe(large);
      expect(readFileSync(path.join(large, 'index.js')).equals(readFileSync(path.join(small, 'index.js')))).toBe(true);
    }
  });

  it('runs each deployed function with the configuration from its asset, and nothing from the environment', () => {
    const tokens = loadConfigFile(EXAMPLE_CONFIG).config.tokens;
    for (const [kind, asset] of functionAssets(example)) {
      // The first invocation reads the configuration and refuses a token it does not know, naming the ones it does.
      const script = `
        const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 60000 };
        require(process.argv[1]).handler({ targets: ['no-such-token'] }, context).then(
          () => process.exit(3),
          (error) => { process.stdout.write(error.message); },
        );`;
      const run = spawnSync(process.execPath, ['-e', script, path.join(asset, 'index.js')], {
        env: {
          ...process.env,
          // A configuration in the environment, as local runs take it, is not the deployed function's.
          ROTATOR_CONFIG: JSON.stringify(storefrontConfig()),
          AWS_REGION: RESOLVED_ENVIRONMENT.region,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      auditText('deployed function output', `${run.stdout}\n${run.stderr}`);
      const known = tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind).map((t) => t.id);
      expect({ kind, exit: run.status, message: run.stdout }).toEqual({
        kind,
        exit: 0,
        message: `Invalid invocation event: unknown token id "no-such-token" (known: ${known.join(', ')})`,
      });
    }
  }, 180_000);

  it("starts each deployed function through its asset's wrapper, with the young generation the wrapper sets", () => {
    const functions = Object.values(Template.fromStack(example.stack).findResources('AWS::Lambda::Function'));
    expect(functions.map((f) => f.Properties.Environment.Variables.AWS_LAMBDA_EXEC_WRAPPER)).toEqual(
      ROTATOR_KINDS.map(() => HEAP_WRAPPER_PATH),
    );
    const print = 'process.stdout.write(JSON.stringify({ flags: process.execArgv, args: process.argv.slice(1) }))';
    for (const asset of functionAssets(example).values()) {
      const wrapper = path.join(asset, HEAP_WRAPPER_FILE);
      // Zipped with its mode by the CLI, so it must be executable here to be executable on Lambda.
      expect(statSync(wrapper).mode & 0o111).toBe(0o111);
      // As Lambda's bootstrap runs it: Node's path, the bootstrap's flags, then the runtime's script and arguments.
      const run = spawnSync(
        wrapper,
        [process.execPath, '--expose-gc', '--max-semi-space-size=12', '--max-old-space-size=230', '-e', print, 'a b'],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(run.stdout)).toEqual({
        flags: [
          `--max-semi-space-size=${FUNCTION_SEMI_SPACE_MB}`,
          '--expose-gc',
          '--max-old-space-size=230',
          '-e',
          print,
        ],
        args: ['a b'],
      });
    }
  });

  it('gives every log group the data protection policy that masks tokens and credentials', () => {
    for (const synthesis of [example, fleet]) {
      const groups = Object.values(Template.fromStack(synthesis.stack).findResources('AWS::Logs::LogGroup'));
      expect(groups).toHaveLength(ROTATOR_KINDS.length);
      for (const group of groups) {
        expect(group.Properties.DataProtectionPolicy.Configuration.CustomDataIdentifier).toEqual(
          TOKEN_DATA_IDENTIFIERS.map((i) => ({ Name: i.name, Regex: i.regex })),
        );
      }
    }
  });

  it('contains no credential or token', () => {
    for (const file of [...example.templates, ...fleet.templates]) auditText('template', readFileSync(file, 'utf8'));
    for (const asset of functionAssets(example).values()) {
      auditText('function configuration', readFileSync(path.join(asset, DEPLOYED_CONFIG_FILE), 'utf8'));
    }
  });
});
