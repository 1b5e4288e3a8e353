import { Template } from 'aws-cdk-lib/assertions';
import { MAX_ROOT_SECRET_PATTERNS, rootSecretPatterns } from '../../infra/rotator-function';
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

// On the shortcut (not bundled, environment-agnostic) for speed: the same promise where users stand, 5,000 tokens
// across 1,250 stores against the example's one store, is test/infra/synthesis.test.ts's.
describe("a rotator's IAM policy", () => {
  it('stays the same size however many tokens it rotates (it grants by tag, not by secret)', () => {
    const few = storefrontPolicy(3);
    const many = storefrontPolicy(60);
    expect(many.length).toBe(few.length);
    expect(many).toBe(few);
  });
});

describe("the key's policy", () => {
  /**
   * The key policy's statements as built, before CDK merges and deduplicates them into the template (the Key's
   * policy document is not public; the test reads it all the same).
   */
  const keyStatements = (count: number): number => {
    const { key } = build(storefrontConfig({ tokens: privateTokens(count) }), `key-policy-${count}`).stack;
    return (key as any).policy.statementCount;
  };

  it('is built from the same statements however many secrets the key encrypts (Secrets Manager is granted it once)', () => {
    // One pair per secret is what made CDK's policy minimizing (cdk.json) take minutes at 5,000 tokens.
    expect(keyStatements(60)).toBe(keyStatements(3));
  });
});

describe('the root-credential secrets a rotator may read', () => {
  const secret = (storeHash: string, name = `bigcommerce/${storeHash}/api-account`) => ({ name, storeHash });
  const stores = (count: number) => Array.from({ length: count }, (_, i) => `store${i}`);

  it('are named one by one while there are few', () => {
    expect(rootSecretPatterns(stores(MAX_ROOT_SECRET_PATTERNS).map((s) => secret(s)))).toEqual(
      stores(MAX_ROOT_SECRET_PATTERNS).map((s) => `bigcommerce/${s}/api-account-??????`),
    );
  });

  it("then by each store's secret of that kind, so the B2B logins stay out of the storefront rotator's reach", () => {
    const many = stores(1_250).flatMap((s) => [secret(s), secret(s, `bigcommerce/${s}/b2b-login`)]);
    expect(rootSecretPatterns(many)).toEqual(['bigcommerce/*/api-account-??????', 'bigcommerce/*/b2b-login-??????']);
  });

  it('then by directory, then by first path segment, for names that do not contain their store hash', () => {
    const byDirectory = stores(30).map((s, i) => secret(s, `team${i % 3}/bigcommerce/credentials-${i}`));
    expect(rootSecretPatterns(byDirectory)).toEqual([
      'team0/bigcommerce/*',
      'team1/bigcommerce/*',
      'team2/bigcommerce/*',
    ]);
    const bySegment = stores(30).map((s, i) => secret(s, `team${i % 3}/store-${i}/credentials`));
    expect(rootSecretPatterns(bySegment)).toEqual(['team0/*', 'team1/*', 'team2/*']);
  });
});
