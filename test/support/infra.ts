import { PRIVATE_TOKEN, mixedFleetConfig } from '../../sandbox/fleet-config';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import type { TokenRotatorStack } from '../../infra/stack';
import { PROJECT_ROOT } from '../../infra/bundling';
import { templateFiles } from '../../scripts/template-checks';
import { STORE } from './rotator';

const OUT = path.join(PROJECT_ROOT, '.jest-cdk-out');

/**
 * Builds the CDK app for a configuration on a shortcut, for tests that inspect what the stack is made of: the
 * functions are not bundled, the account and Region are left unresolved (unless given) and cdk.json's context is
 * not applied.
 * What synthesis on the user's path must also hold (cdk-nag, cfn-lint, CloudFormation's limits, the policies'
 * size, the functions' assets) is checked by test/infra/synthesis.test.ts, through useUserSynthesis. The
 * configuration is written to a temporary file (removed after the test file) and the cloud assembly goes
 * under .jest-cdk-out/<name>.
 */
export function useAppBuilder(): (
  config: Record<string, unknown>,
  name: string,
  environment?: { account: string; region: string },
) => ReturnType<typeof buildApp> {
  const write = useConfigFiles();
  return (config, name, environment) =>
    buildApp({
      configPath: write(config, name),
      environment: environment ?? 'agnostic',
      app: { outdir: path.join(OUT, name), context: { 'aws:cdk:bundling-stacks': [] } },
    });
}

/** Writes configurations to temporary files, removed after the test file; returns each file's path. */
function useConfigFiles(): (config: Record<string, unknown>, name: string) => string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (config, name) => {
    const configPath = path.join(dir, `${name}.json`);
    writeFileSync(configPath, JSON.stringify(config));
    return configPath;
  };
}

/**
 * The account and Region of the synthesis on the user's path, as the CDK CLI resolves them for the app
 * (CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION): a Region other than the CLI's fallback, us-east-1.
 */
export const RESOLVED_ENVIRONMENT = { account: '123456789012', region: 'eu-central-1' };

/**
 * The context `npx cdk synth` gives the app: cdk.json's (which sets, among others, IAM's policy minimizing) and
 * what the CLI adds itself: metadata, no version reporting, every stack bundled.
 */
function cliContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return {
    ...cdkJson.context,
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:disable-version-reporting': true,
    'aws:cdk:bundling-stacks': ['**'],
  };
}

export interface UserSynthesis {
  stack: TokenRotatorStack;
  /** The cloud assembly's directory. */
  directory: string;
  /** Every template in it, root and nested. */
  templates: string[];
  /** How long building and synthesizing the app took. */
  ms: number;
}

/**
 * Synthesizes configurations where users stand, as `npx cdk synth` does: cdk.json's context, the functions
 * bundled into their assets, the account and Region resolved (RESOLVED_ENVIRONMENT), cdk-nag's packs applied.
 * Synthesis throws, naming them, on cdk-nag findings that are not acknowledged. The cloud assembly goes under
 * .jest-cdk-out/<name>.
 */
export function useUserSynthesis(): (config: Record<string, unknown>, name: string) => UserSynthesis {
  const write = useConfigFiles();
  return (config, name) => {
    const started = Date.now();
    const outdir = path.join(OUT, name);
    rmSync(outdir, { recursive: true, force: true });
    const { app, stack } = buildApp({
      configPath: write(config, name),
      environment: RESOLVED_ENVIRONMENT,
      app: { outdir, context: cliContext() },
    });
    const { directory } = app.synth();
    return { stack, directory, templates: templateFiles(directory), ms: Date.now() - started };
  };
}

/** `count` private storefront tokens of the test store, as a configuration's `tokens`. */
export function privateTokens(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `private-${i}`,
    store: STORE,
    ...PRIVATE_TOKEN,
  }));
}

/** A store hash as BigCommerce writes them (ten lowercase hex digits here), the same for `i` on every run. */
export function storeHash(i: number): string {
  return createHash('sha256').update(`store-${i}`).digest('hex').slice(0, 10);
}

/** A fleet of `stores` stores with a token of every family each (mixedFleetConfig), store hashes as BigCommerce's. */
export function fleetConfig(stores: number): Record<string, unknown> {
  return mixedFleetConfig(Array.from({ length: stores }, (_, i) => storeHash(i)));
}

/** The template of each nested stack that holds token secrets, by shard. */
export function shardTemplates(stack: TokenRotatorStack): Template[] {
  return [...stack.shards.values()].map((shard) => Template.fromStack(shard));
}

/** The one nested stack's template of a configuration whose tokens all belong to one store. */
export function secretsTemplate(stack: TokenRotatorStack): Template {
  const [template, ...others] = shardTemplates(stack);
  if (!template || others.length > 0) throw new Error(`expected one shard, found ${stack.shards.size}`);
  return template;
}
