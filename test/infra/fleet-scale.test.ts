import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { MAX_OUTPUTS, MAX_RESOURCES, MANAGED_SECRET_TAG, type TokenRotatorStack } from '../../infra/stack';
import { fleetConfig, useAppBuilder } from '../support/infra';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
/** CloudFormation's other limits on a template: parameters, and the body of a template read from S3. */
const MAX_PARAMETERS = 200;
const MAX_TEMPLATE_BYTES = 1_000_000;
/** Room to spare: every template stays under this share of each limit. */
const HEADROOM = 0.8;
/** cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational findings. */
const ERRORS = 2;
const STORES = 1_250;

const build = useAppBuilder();

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

/** What the test measured, for the log: the root template, the spread of the shards, the policies' sizes. */
function measurements(fleet: { stack: TokenRotatorStack; templates: TemplateSize[] }): string {
  const nested = fleet.templates.filter((t) => t.file.endsWith('.nested.template.json'));
  const root = fleet.templates.find((t) => !nested.includes(t));
  const tokens = [...fleet.stack.shards.values()].map((s) => s.secrets.size);
  const most = (key: keyof Omit<TemplateSize, 'file'>) => Math.max(...nested.map((t) => t[key]));
  const policies = Object.fromEntries([...rolePolicies(fleet.stack)].map(([role, json]) => [role, json.length]));
  return (
    `root ${JSON.stringify(root)}; ${nested.length} nested stacks, ${Math.min(...tokens)}-${Math.max(...tokens)} ` +
    `tokens each, at most ${most('resources')} resources, ${most('bytes')} bytes, ${most('parameters')} parameters; ` +
    `role policies (characters) ${JSON.stringify(policies)}`
  );
}

describe(`a fleet of ${STORES * 4} tokens across ${STORES} stores`, () => {
  interface Synthesized {
    stack: TokenRotatorStack;
    directory: string;
    files: string[];
    templates: TemplateSize[];
  }
  let fleet: Synthesized;
  beforeAll(() => {
    const started = Date.now();
    const { app, stack } = build(fleetConfig(STORES), 'fleet-scale');
    const { directory } = app.synth();
    const synthMs = Date.now() - started;
    const files = readdirSync(directory)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => path.join(directory, f));
    fleet = { stack, directory, files, templates: files.map(templateSize) };
    process.stdout.write(
      `${STORES * 4} tokens, ${STORES} stores: build and synth ${synthMs} ms; ${measurements(fleet)}\n`,
    );
  }, 300_000);
  const nested = () => fleet.templates.filter((t) => t.file.endsWith('.nested.template.json'));

  it('synthesizes every token into a nested stack of its store, with cdk-nag finding nothing', () => {
    const tokens = [...fleet.stack.shards.values()].map((s) => s.secrets.size);
    expect(tokens.reduce((a, b) => a + b, 0)).toBe(STORES * 4);
    expect(nested()).toHaveLength(fleet.stack.shards.size);
    const report = JSON.parse(readFileSync(path.join(fleet.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it("keeps every template, root and nested, within 80% of CloudFormation's limits", () => {
    for (const t of fleet.templates) {
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
    // A nested stack's parameters are the key and the three functions, whatever its number of tokens.
    expect(Math.max(...nested().map((t) => t.parameters))).toBeLessThanOrEqual(4);
  });

  it('passes cfn-lint without error, every template', () => {
    const lint = spawnSync('cfn-lint', fleet.files, {
      encoding: 'utf8',
      cwd: PROJECT_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(lint.error).toBeUndefined();
    const errors = `${lint.stdout}${lint.stderr}`.split('\n\n').filter((finding) => /^E\d/.test(finding.trim()));
    expect({ exit: lint.status, errors: ((lint.status ?? ERRORS) & ERRORS) !== 0, first: errors.slice(0, 5) }).toEqual({
      exit: lint.status,
      errors: false,
      first: [],
    });
  }, 600_000);

  it("keeps each rotator role's policy as small as for three stores, and out of the managed secrets", () => {
    const few = rolePolicies(build(fleetConfig(3), 'fleet-scale-3').stack);
    const many = rolePolicies(fleet.stack);
    expect([...many.keys()].sort()).toEqual(['B2bRotator', 'PaymentsRotator', 'StorefrontRotator']);
    for (const [role, json] of many) {
      expect({ role, length: json.length < 6_000 }).toEqual({ role, length: true });
      expect(json.length).toBeLessThanOrEqual((few.get(role) as string).length * 1.5);
      const root = (JSON.parse(json).Statement as any[]).find((s) => s.Sid === 'RootCredentialsReadOnly');
      expect(root.Condition).toEqual({ Null: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: 'true' } });
    }
  });
});
