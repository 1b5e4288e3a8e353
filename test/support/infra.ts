import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import type { TokenRotatorStack } from '../../infra/stack';
import { STORE } from './rotator';

const OUT = path.join(__dirname, '../../.jest-cdk-out');

/**
 * Builds the CDK app for a configuration, as `cdk synth` would but without bundling the functions: the
 * configuration is written to a temporary file (removed after the test file) and the cloud assembly goes
 * under .jest-cdk-out/<name>.
 */
export function useAppBuilder(): (config: Record<string, unknown>, name: string) => ReturnType<typeof buildApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (config, name) => {
    const configPath = path.join(dir, `${name}.json`);
    writeFileSync(configPath, JSON.stringify(config));
    return buildApp({
      configPath,
      app: { outdir: path.join(OUT, name), context: { 'aws:cdk:bundling-stacks': [] } },
    });
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

/**
 * A fleet: `stores` stores, each with its API account and B2B login secrets and four tokens, one of each
 * function's families (private and storefront tokens for the storefront rotator, stored-instruments for the
 * payments rotator, a B2B backend token).
 */
export function fleetConfig(stores: number): Record<string, unknown> {
  const hashes = Array.from({ length: stores }, (_, i) => storeHash(i));
  return {
    stores: hashes.map((hash) => ({
      storeHash: hash,
      credentialsSecret: `bigcommerce/${hash}/api-account`,
      b2bCredentialsSecret: `bigcommerce/${hash}/b2b-login`,
    })),
    tokens: hashes.flatMap((hash) => [
      {
        id: `${hash}-headless`,
        store: hash,
        ...PRIVATE_TOKEN,
      },
      {
        id: `${hash}-browser`,
        store: hash,
        family: 'storefront',
        channelId: 1,
        allowedCorsOrigins: ['https://shop.example.com'],
        lifetime: '30d',
        renewBefore: '7d',
      },
      { id: `${hash}-instruments`, store: hash, family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
      { id: `${hash}-erp`, store: hash, family: 'b2b-backend', rotationPeriod: '7d' },
    ]),
  };
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
