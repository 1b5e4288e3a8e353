import { Match, Template } from 'aws-cdk-lib/assertions';
import { BACKSTOP_ROTATION_DAYS } from '../../infra/secrets-manager-rotation';
import { auditText } from '../support/audit';
import { secretsTemplate, useAppBuilder } from '../support/infra';
import { STORE, storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

/** The root stack's template (the functions) and the nested stack's (the secrets). */
function templates(config: Record<string, unknown>): { root: Template; secrets: Template } {
  const { stack } = build(config, 'rotation');
  const root = Template.fromStack(stack);
  const secrets = secretsTemplate(stack);
  for (const t of [root, secrets]) auditText('template', JSON.stringify(t.toJSON()));
  return { root, secrets };
}

describe('Secrets Manager rotation on the managed secrets', () => {
  const config = storefrontConfig({
    tokens: [
      ...(storefrontConfig().tokens as Record<string, unknown>[]),
      {
        id: 'elsewhere',
        store: STORE,
        family: 'customer-impersonation',
        channelIds: [1],
        lifetime: '1d',
        renewBefore: '6h',
        secretName: 'shared-tokens/impersonation',
      },
    ],
  });
  const { root: synthesized, secrets } = templates(config);

  it('makes the rotator the rotation function of each of its secrets, with a backstop schedule and no rotation on deploy', () => {
    const schedules = secrets.findResources('AWS::SecretsManager::RotationSchedule');
    expect(Object.keys(schedules)).toHaveLength(4);
    // The function's ARN comes in as a parameter of the nested stack, set by the root stack.
    const [parameter] = Object.keys(secrets.findParameters('*', { Type: 'String' })).filter((p) =>
      p.includes('StorefrontRotatorFunction'),
    );
    for (const schedule of Object.values(schedules)) {
      expect(schedule.Properties).toMatchObject({
        RotationLambdaARN: { Ref: parameter },
        RotationRules: { AutomaticallyAfterDays: BACKSTOP_ROTATION_DAYS },
        RotateImmediatelyOnUpdate: false,
      });
    }
  });

  it('creates the schedules only once the function may be invoked: the nested stack depends on its permissions', () => {
    const [nested] = Object.values(synthesized.findResources('AWS::CloudFormation::Stack'));
    const permissions = Object.keys(
      synthesized.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'secretsmanager.amazonaws.com' },
      }),
    );
    expect(nested?.DependsOn).toEqual(expect.arrayContaining(permissions));
  });

  it('lets Secrets Manager invoke the function only for this account and the managed name prefixes', () => {
    const permissions = Object.values(
      synthesized.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'secretsmanager.amazonaws.com' },
      }),
    );
    expect(permissions).toHaveLength(2);
    for (const permission of permissions) {
      expect(permission.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    }
    const arns = JSON.stringify(permissions.map((p) => p.Properties.SourceArn));
    expect(arns).toContain(':secret:bigcommerce/*');
    expect(arns).toContain(':secret:shared-tokens/*');
    synthesized.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceArn: Match.anyValue(),
    });
  });
});
