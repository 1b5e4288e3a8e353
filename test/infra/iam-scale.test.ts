import { Template } from 'aws-cdk-lib/assertions';
import { privateTokens, useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

/** The storefront rotator's policy document for a configuration of `count` private tokens in one store. */
function storefrontPolicy(count: number): string {
  const { stack } = build(storefrontConfig({ tokens: privateTokens(count) }), `iam-scale-${count}`);
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
