import { RESOLVED_ENVIRONMENT, privateTokens, useUserSynthesis } from '../support/infra';
import { storefrontConfig } from '../support/rotator';
import { validationViolations } from '../../scripts/template-checks';
import { Template } from 'aws-cdk-lib/assertions';

// Where users stand: bundled, the account and Region resolved, cdk.json's context applied.
const synthesize = useUserSynthesis();

describe(`CloudFormation's limits on each template, synthesized as in ${RESOLVED_ENVIRONMENT.region}`, () => {
  it("refuses at synth, naming the store and what to do, a store's tokens beyond one nested stack's 500 resources", () => {
    expect(() => synthesize(storefrontConfig({ tokens: privateTokens(167) }), 'limits-167')).toThrow(
      /shard \d+ \(store teststore1 \(167 tokens\)\) makes 501 resources \(CloudFormation allows 500\)\. All the tokens of a store share one nested stack, with three resources per token.*separate stack: ROTATOR_STACK_NAME/,
    );
  }, 300_000);

  it('synthesizes one store with as many tokens as one nested stack holds (166: 498 resources, three a token)', () => {
    const { stack, directory } = synthesize(storefrontConfig({ tokens: privateTokens(166) }), 'limits-166');
    const shards = [...stack.shards.values()];
    expect(shards).toHaveLength(1);
    expect(Object.keys(Template.fromStack(shards[0]!).toJSON().Resources)).toHaveLength(498);
    expect(validationViolations(directory)).toEqual([]);
  }, 300_000);
});
