import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { auditText } from '../support/audit';
import { secretsTemplate, useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

describe('what consumers get from the stack', () => {
  const { stack } = build(storefrontConfig(), 'consumers');
  const role = new iam.Role(stack, 'ConsumerRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  stack.grantRead('headless', role);
  // The consumer's role is this test's, not the product's: its inline policy is what grantRead writes.
  for (const id of ['PCI.DSS.321-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy']) {
    Validations.of(role).acknowledge({ id, reason: 'A consumer role made by this test to receive grantRead.' });
  }
  const template = Template.fromStack(stack);
  auditText('template', JSON.stringify(template.toJSON()));
  const resolve = (value: unknown) => JSON.stringify(value);

  it("outputs the KMS key's ARN and the secrets' tag, and no output per secret", () => {
    template.hasOutput('SecretsKeyArn', {
      Value: { 'Fn::GetAtt': [stack.getLogicalId(stack.key.node.defaultChild as never), 'Arn'] },
    });
    template.hasOutput('ManagedSecretsTag', { Value: 'bigcommerce-token-rotator=BigCommerceTokenRotator/storefront' });
    expect(
      Object.keys(template.findOutputs('*')).filter((id) => id.startsWith('Secret') && id !== 'SecretsKeyArn'),
    ).toEqual([]);
  });

  it("grantRead gives the role that one secret's AWSCURRENT and AWSPREVIOUS, and the key only for it", () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      resolve(p.Properties.Roles).includes(stack.getLogicalId(role.node.defaultChild as never)),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement as Record<string, any>[];
    expect(statements).toHaveLength(3);
    // The ARN pattern in the root stack, not a reference into the nested stack (no output, no parameter).
    const secretArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':secretsmanager:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':secret:bigcommerce/teststore1/headless-??????',
        ],
      ],
    };
    // Asked for by label, and only these two: not by version id, not AWSPENDING (an unverified token), not
    // BCROTATOR_REVOKED.
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: secretArn,
      Condition: { StringEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPREVIOUS'] } },
    });
    expect(statements[1]).toEqual({ Effect: 'Allow', Action: 'secretsmanager:DescribeSecret', Resource: secretArn });
    expect(statements[2]).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(stack.key.node.defaultChild as never), 'Arn'] },
      Condition: {
        StringEquals: {
          'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        },
        // The key decrypts for this secret only: Secrets Manager puts the secret's ARN in the encryption context.
        StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
      },
    });
    // Nothing else: no other secret, no wildcard.
    expect(resolve(statements)).not.toContain('"*"');
    expect(secretsTemplate(stack).findOutputs('*')).toEqual({});
  });

  it('refuses a token it does not manage, naming the known ones', () => {
    expect(() => stack.grantRead('nope', role)).toThrow(
      /no managed token "nope" \(known: headless, browser, impersonation\)/,
    );
  });
});
