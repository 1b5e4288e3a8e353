import { Template } from 'aws-cdk-lib/assertions';
import { MANAGED_SECRET_TAG } from '../../infra/stack';
import { fleetConfig, privateTokens, shardTemplates, storeHash, useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: any };

/**
 * Each rotator role's statements on secrets, keys and the bus, by kind, as JSON text (a fleet large enough to
 * hand work out also has its work queue's, which the fences here are not about).
 */
function rolePolicies(template: Template): Record<string, string> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.fromEntries(
    ['Storefront', 'Payments', 'B2b'].map((kind) => {
      const [, policy] = Object.entries(policies).find(([id]) => id.startsWith(`${kind}RotatorRole`))!;
      const statements = (policy.Properties.PolicyDocument.Statement as Statement[]).filter((s) =>
        [s.Action].flat().some((a) => /^(secretsmanager|kms|events):/.test(a)),
      );
      return [kind, JSON.stringify({ Statement: statements })];
    }),
  );
}

/** The storefront rotator's policy document for a configuration of `count` private tokens in one store. */
function storefrontPolicy(count: number): string {
  const { stack } = build(storefrontConfig({ tokens: privateTokens(count) }), `iam-scale-${count}`);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const [, policy] = Object.entries(policies).find(([id]) => id.startsWith('StorefrontRotatorRole'))!;
  return JSON.stringify(policy.Properties.PolicyDocument);
}

// On the shortcut (not bundled, environment-agnostic) for speed: the same promise where users stand is
// test/infra/synthesis.test.ts's.
describe("a rotator's IAM policy", () => {
  it('stays the same size however many tokens it rotates (it grants by tag, not by secret)', () => {
    const few = storefrontPolicy(3);
    const many = storefrontPolicy(60);
    expect(many).toBe(few);
  });
});

describe('the fences of 3, 12 and 1,250 stores (a token of every family each)', () => {
  const fleets = [3, 12, 1_250].map((stores) => {
    const { stack } = build(fleetConfig(stores), `fences-${stores}`);
    return { stores, stack, template: Template.fromStack(stack) };
  });

  it('are the same policy documents, word for word, whatever the number of stores, and name no store', () => {
    const [three, ...others] = fleets.map((f) => rolePolicies(f.template));
    for (const other of others) expect(other).toEqual(three);
    for (const document of Object.values(three!)) {
      for (let i = 0; i < 3; i += 1) expect(document).not.toContain(storeHash(i));
    }
  });

  it('let each function read only the root credentials tagged for this stack and for what it holds', () => {
    for (const { template } of fleets) {
      const policies = rolePolicies(template);
      for (const [kind, credential] of [
        ['Storefront', 'api-account'],
        ['Payments', 'api-account'],
        ['B2b', 'b2b-login'],
      ] as const) {
        const statements: Statement[] = JSON.parse(policies[kind]!).Statement;
        const root = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
        // The managed-token statement and the root-credential one, each conditioned on a tag.
        expect(root.map((s) => s.Sid).sort()).toEqual(['ManagedTokenSecrets', 'RootCredentialsReadOnly']);
        const credentials = root.find((s) => s.Sid === 'RootCredentialsReadOnly')!;
        expect(credentials.Condition).toEqual({
          StringEquals: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}:BigCommerceTokenRotator`]: credential },
          Null: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: 'true' },
        });
        const managed = root.find((s) => s.Sid === 'ManagedTokenSecrets')!;
        expect(JSON.stringify(managed.Resource)).toMatch(/:secret:bigcommerce\/\*"\]\]\}$/);
        expect(managed.Condition).toEqual({
          StringEquals: {
            [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: `BigCommerceTokenRotator/${kind.toLowerCase()}`,
          },
        });
      }
    }
  });

  it("guard every managed secret with its own policy naming its rotator's role", () => {
    const { stack } = fleets[1]!;
    const rolesByKind = (template: Template) =>
      Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy')).map((p) => p.Properties);
    let guarded = 0;
    for (const template of shardTemplates(stack)) {
      const secrets = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
      const policies = rolesByKind(template);
      expect(policies).toHaveLength(secrets.length);
      for (const policy of policies) {
        expect(secrets).toContain(policy.SecretId.Ref);
        expect(policy.BlockPublicPolicy).toBe(true);
        const statements: Statement[] = policy.ResourcePolicy.Statement;
        expect(statements.map((s) => [s.Sid, s.Effect])).toEqual([
          ['OnlyItsRotatorWritesVersions', 'Deny'],
          ['OnlyCloudFormationUpdates', 'Deny'],
          ['OnlyCloudFormationChangesTheManagedTag', 'Deny'],
        ]);
        // The rotator's role comes in as one of the nested stack's parameters, one per function.
        expect(statements[0]!.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual({
          Ref: expect.stringMatching(/RotatorRole.*Arn/),
        });
        guarded += 1;
      }
    }
    expect(guarded).toBe(12 * 4);
  });
});
