import { Match, Template } from 'aws-cdk-lib/assertions';
import { BACKSTOP_ROTATION_DAYS } from '../../infra/secrets-manager-rotation';
import { auditText } from '../support/audit';
import { useAppBuilder } from '../support/infra';
import { STORE, storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

function template(config: Record<string, unknown>): Template {
  const synthesized = Template.fromStack(build(config, 'rotation').stack);
  auditText('template', JSON.stringify(synthesized.toJSON()));
  return synthesized;
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
  const synthesized = template(config);

  it('makes the rotator the rotation function of each of its secrets, with a backstop schedule and no rotation on deploy', () => {
    const schedules = synthesized.findResources('AWS::SecretsManager::RotationSchedule');
    expect(Object.keys(schedules)).toHaveLength(4);
    for (const schedule of Object.values(schedules)) {
      expect(schedule.Properties).toMatchObject({
        RotationLambdaARN: { 'Fn::GetAtt': [expect.stringMatching(/^StorefrontRotatorFunction/), 'Arn'] },
        RotationRules: { AutomaticallyAfterDays: BACKSTOP_ROTATION_DAYS },
        RotateImmediatelyOnUpdate: false,
      });
    }
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
