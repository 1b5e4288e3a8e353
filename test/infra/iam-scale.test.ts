import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import { STORE, storefrontConfig } from '../support/rotator';

const OUT = path.join(__dirname, '../../.jest-cdk-out');
const CONFIG_DIR = mkdtempSync(path.join(os.tmpdir(), 'bctr-iam-scale-'));
afterAll(() => rmSync(CONFIG_DIR, { recursive: true, force: true }));

/** The storefront rotator's policy document for a configuration of `count` private tokens in one store. */
function storefrontPolicy(count: number): string {
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
  const { stack } = buildApp({
    configPath: file,
    app: { outdir: path.join(OUT, `iam-scale-${count}`), context: { 'aws:cdk:bundling-stacks': [] } },
  });
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const [, policy] = Object.entries(policies).find(([id]) => id.startsWith('StorefrontRotatorRole'))!;
  return JSON.stringify(policy.Properties.PolicyDocument);
}

describe("a rotator's IAM policy", () => {
  it('stays the same size however many tokens it rotates (it grants by tag, not by secret)', () => {
    const few = storefrontPolicy(3);
    const many = storefrontPolicy(60);
    expect(many.length).toBe(few.length);
    expect(many).toBe(few);
  });
});
