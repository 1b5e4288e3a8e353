import { useAppBuilder, privateTokens } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

describe("CloudFormation's limits on one stack", () => {
  it('refuses at synth, with what to do, a configuration CloudFormation would refuse at deploy', () => {
    expect(() => build(storefrontConfig({ tokens: privateTokens(250) }), 'limits-250')).toThrow(
      /250 tokens make \d+ outputs \(CloudFormation allows 200\) and \d+ resources \(CloudFormation allows 500\).*separate stacks: ROTATOR_STACK_NAME/,
    );
  });

  it('synthesizes a configuration within them', () => {
    expect(() => build(storefrontConfig({ tokens: privateTokens(150) }), 'limits-150')).not.toThrow();
  });
});
