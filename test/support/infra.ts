import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../infra/app';
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
    family: 'storefront-private',
    channelIds: [1],
    scopes: ['Customer'],
    lifetime: '7d',
    renewBefore: '2d',
  }));
}
