import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { ConfigError } from '../../functions/config/errors';
import { parseConfig } from '../../functions/config/schema';
import { PROJECT_ROOT } from '../../infra/bundling';
import { BigCommerceTokenRotator, TokenRotatorStack } from '../../infra/stack';
import { storefrontConfig } from '../support/rotator';

/**
 * The construct in a stack of an app's own, on the shortcut (functions not bundled, account and Region left to
 * CloudFormation): what it adds does not depend on the stack it is in. The packed construct in an app outside
 * the repository, bundled and synthesized by the CLI, is test/package/consumer-app.test.ts.
 */

const OUT = path.join(PROJECT_ROOT, '.jest-cdk-out');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-construct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(config: Record<string, unknown>, name: string): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The test configuration, validated as the construct takes it. */
function validated(overrides: Record<string, unknown> = {}) {
  return parseConfig({ ...storefrontConfig(), ...overrides }, 'test');
}

function userApp(name: string): { app: App; stack: Stack } {
  const app = new App({ outdir: path.join(OUT, name), context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new Stack(app, 'Shop') };
}

/** The template of a stack and of its nested stacks, by their paths in the construct tree. */
function templates(stack: Stack): Record<string, unknown> {
  const nested = stack.node.findAll().filter((c): c is Stack => c instanceof Stack && c !== stack);
  return Object.fromEntries([stack, ...nested].map((s) => [s.node.path, Template.fromStack(s).toJSON()]));
}

/** The tag values the functions' managed-secret statements require. */
function managedSecretTags(stack: Stack): string[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
    .filter((s) => s.Sid === 'ManagedTokenSecrets')
    .map((s) => s.Condition.StringEquals['secretsmanager:ResourceTag/bigcommerce-token-rotator'] as string)
    .sort();
}

describe('BigCommerceTokenRotator in a stack of an app of its own', () => {
  it('makes the standalone stack: TokenRotatorStack is that stack with the construct as Default', () => {
    const config = validated();
    const standalone = new TokenRotatorStack(
      new App({ outdir: path.join(OUT, 'construct-standalone'), context: { 'aws:cdk:bundling-stacks': [] } }),
      'Shop',
      { config },
    );
    const { stack } = userApp('construct-default');
    new BigCommerceTokenRotator(stack, 'Default', { config });
    expect(templates(stack)).toEqual(templates(standalone));
    // Default adds nothing to logical ids: a deployed standalone stack updates in place.
    expect(Object.keys(Template.fromStack(standalone).findResources('AWS::KMS::Key'))).toEqual([
      expect.stringMatching(/^SecretsKey[0-9A-F]{8}$/),
    ]);
  });

  it('takes the configuration as a file path or as the validated object, to the same template', () => {
    const config = storefrontConfig();
    const fromFile = userApp('construct-file');
    new BigCommerceTokenRotator(fromFile.stack, 'Tokens', { config: configFile(config, 'ok') });
    const fromObject = userApp('construct-object');
    new BigCommerceTokenRotator(fromObject.stack, 'Tokens', { config: validated() });
    expect(templates(fromFile.stack)).toEqual(templates(fromObject.stack));
  });

  it('refuses an invalid configuration file, naming the problem, before adding anything', () => {
    const { stack } = userApp('construct-invalid');
    const file = configFile({ ...storefrontConfig(), schedules: { storefront: { expression: 'often' } } }, 'bad');
    expect(() => new BigCommerceTokenRotator(stack, 'Tokens', { config: file })).toThrow(ConfigError);
    expect(() => new BigCommerceTokenRotator(stack, 'Tokens', { config: file })).toThrow(/schedules\.storefront/);
    expect(() => new BigCommerceTokenRotator(stack, 'Again', { config: path.join(dir, 'missing.json') })).toThrow(
      /cannot read .*missing\.json: ENOENT/,
    );
    expect(
      stack.node
        .findAll()
        .filter((c) => c.node.scope === stack)
        .map((c) => c.node.id),
    ).toEqual([]);
  });

  it('names a token secret by its configured name, and refuses a token it does not manage', () => {
    const { stack } = userApp('construct-names');
    const rotator = new BigCommerceTokenRotator(stack, 'Tokens', { config: validated() });
    expect(rotator.secretName('headless')).toBe('bigcommerce/teststore1/headless');
    expect(() => rotator.secretName('nope')).toThrow('secretName: no managed token "nope" (known: headless, browser');
  });

  it('tags its secrets with the stack, and refuses a second rotator in the same stack before it adds anything', () => {
    const { stack } = userApp('construct-two');
    const first = new BigCommerceTokenRotator(stack, 'Tokens', { config: validated() });
    expect(first.secretsTag('storefront').value).toBe('Shop/storefront');
    expect(managedSecretTags(stack)).toEqual(['Shop/storefront']);
    const before = stack.node.findAll().length;
    const other = validated({ eventBusName: 'other-tokens', secretNamePrefix: 'other' });
    expect(() => new BigCommerceTokenRotator(stack, 'OtherTokens', { config: other })).toThrow(
      'Shop already holds a BigCommerceTokenRotator (Shop/Tokens): a stack holds at most one',
    );
    expect(stack.node.findAll()).toHaveLength(before);
    // In a stack of its own, a second rotator is welcome.
    const second = new BigCommerceTokenRotator(new Stack(stack.node.root as App, 'OtherShop'), 'Tokens', {
      config: other,
    });
    expect(second.secretsTag('storefront').value).toBe('OtherShop/storefront');
  });

  it("counts the stack's own resources against CloudFormation's 500 at synth", () => {
    const { app, stack } = userApp('construct-limits');
    new BigCommerceTokenRotator(stack, 'Tokens', { config: validated() });
    const own = stack.node.findAll().filter((c) => c instanceof CfnResource && Stack.of(c) === stack).length;
    for (let i = 0; i <= 500 - own; i += 1) new sqs.CfnQueue(stack, `Queue${i}`);
    expect(() => app.synth()).toThrow(/the root stack makes 501 resources \(CloudFormation allows 500\)/);
  });

  it("keeps its cdk-nag acknowledgements in the app's stack, under every pack the standalone app applies", () => {
    const { app, stack } = userApp('construct-nag');
    new BigCommerceTokenRotator(stack, 'Tokens', { config: validated() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
    expect(() => app.synth()).not.toThrow();
    // The same stack with a finding of the app's own still fails: the packs ran.
    const probe = userApp('construct-nag-probe');
    new BigCommerceTokenRotator(probe.stack, 'Tokens', { config: validated() });
    new sqs.Queue(probe.stack, 'Plain', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    Validations.of(probe.app).addPlugins(new AwsSolutionsChecks(probe.app));
    expect(() => probe.app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
