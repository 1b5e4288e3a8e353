import { privateTokens, useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

describe("CloudFormation's limits on each template", () => {
  it("refuses at synth, naming the store and what to do, a store's tokens beyond one nested stack's 500 resources", () => {
    expect(() => build(storefrontConfig({ tokens: privateTokens(251) }), 'limits-251')).toThrow(
      /shard \d+ \(store teststore1 \(251 tokens\)\) makes 502 resources \(CloudFormation allows 500\)\. All the tokens of a store share one nested stack.*separate stack: ROTATOR_STACK_NAME/,
    );
  });

  it('synthesizes one store with as many tokens as one nested stack holds (250: 500 resources, the limit itself)', () => {
    expect(() => build(storefrontConfig({ tokens: privateTokens(250) }), 'limits-250')).not.toThrow();
  });
});
