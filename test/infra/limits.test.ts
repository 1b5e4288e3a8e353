import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../infra/app';
import { STORE, storefrontConfig } from '../support/rotator';

const OUT = path.join(__dirname, '../../.jest-cdk-out');
const CONFIG_DIR = mkdtempSync(path.join(os.tmpdir(), 'bctr-limits-'));
afterAll(() => rmSync(CONFIG_DIR, { recursive: true, force: true }));

function synthWith(count: number) {
  const file = path.join(CONFIG_DIR, `rotator-${count}.json`);
  const tokens = Array.from({ length: count }, (_, i) => ({
    id: `private-${i}`,
    store: STORE,
    family: 'storefront-private',
    channelIds: [1],
    scopes: ['Customer'],
    lifetime: '7d',
    renewBefore: '2d',
  }));
  writeFileSync(file, JSON.stringify(storefrontConfig({ tokens })));
  return buildApp({
    configPath: file,
    app: { outdir: path.join(OUT, `limits-${count}`), context: { 'aws:cdk:bundling-stacks': [] } },
  });
}

describe("CloudFormation's limits on one stack", () => {
  it('refuses at synth, with what to do, a configuration CloudFormation would refuse at deploy', () => {
    expect(() => synthWith(250)).toThrow(
      /250 tokens make \d+ outputs \(CloudFormation allows 200\) and \d+ resources \(CloudFormation allows 500\).*separate stacks: ROTATOR_STACK_NAME/,
    );
  });

  it('synthesizes a configuration within them', () => {
    expect(() => synthWith(150)).not.toThrow();
  });
});
