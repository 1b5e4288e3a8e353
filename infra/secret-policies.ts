import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { type RootCredential, credentialsTag } from '../functions/config/credentials-tag';
import { PRODUCT_NAME } from '../functions/config/types';
import { secretArn } from './secret-arn';

/**
 * The policies that fence the secrets: what a rotator may do with its managed-token secrets and the stores'
 * root credentials, what each managed secret allows anyone else, and what a consumer granted one token reads.
 * Every statement is the same size whatever the number of stores and tokens.
 */

/** Tag key of the managed-token secrets; its value names the stack and the function (`<stack>/<kind>`). */
export const MANAGED_SECRET_TAG = PRODUCT_NAME;

/** The labels a consumer may read: the token in use and the one it superseded (for a grace-period fallback). */
export const READABLE_STAGES = ['AWSCURRENT', 'AWSPREVIOUS'] as const;

/**
 * The ARN patterns that hold the managed secrets' names: each name's first path segment (`bigcommerce/*` by
 * default), or the name itself followed by anything when it has no path. As many as there are distinct first
 * segments among the configured names, one with the default names.
 */
export function managedNamePatterns(secretNames: readonly string[]): string[] {
  return [...new Set(secretNames.map((name) => `${name.includes('/') ? `${name.split('/')[0]}/` : name}*`))];
}

/** Secrets Manager's service name in the stack's Region, for `kms:ViaService`. */
function secretsManagerService(scope: IConstruct): string {
  return `secretsmanager.${Stack.of(scope).region}.amazonaws.com`;
}

/**
 * What a rotator may do with its own managed-token secrets: those that carry its tag, under the managed names'
 * prefixes; and use the stack key for them only through Secrets Manager, for secrets under those prefixes.
 * `listVersions` adds ListSecretVersionIds, for the one rotator that reads a secret's past versions (the B2B
 * rotator recognises tokens minted by earlier versions of the product by them).
 */
export function managedSecretStatements(
  scope: IConstruct,
  props: { tag: { key: string; value: string }; secretNames: readonly string[]; key: kms.IKey; listVersions: boolean },
): { statements: iam.PolicyStatement[]; wildcardResources: string[] } {
  const resources = managedNamePatterns(props.secretNames).map((pattern) => secretArn(scope, pattern));
  return {
    wildcardResources: resources,
    statements: [
      new iam.PolicyStatement({
        sid: 'ManagedTokenSecrets',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          ...(props.listVersions ? ['secretsmanager:ListSecretVersionIds'] : []),
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources,
        conditions: { StringEquals: { [`secretsmanager:ResourceTag/${props.tag.key}`]: props.tag.value } },
      }),
      new iam.PolicyStatement({
        sid: 'ManagedTokenSecretsKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': secretsManagerService(scope) },
          StringLike: { 'kms:EncryptionContext:SecretARN': resources },
        },
      }),
    ],
  };
}

/**
 * Read-only access to the root-credential secrets the operator tagged for this stack and this credential
 * (credentialsTag), and never to a secret that carries the managed-token tag, whoever's: one statement however
 * many stores there are, which no other stack's store and no untagged secret matches.
 */
export function rootCredentialsStatement(
  scope: IConstruct,
  credential: RootCredential,
): { statement: iam.PolicyStatement; wildcardResources: string[] } {
  const tag = credentialsTag(Stack.of(scope).stackName, credential);
  const resources = [secretArn(scope, '*')];
  return {
    wildcardResources: resources,
    statement: new iam.PolicyStatement({
      sid: 'RootCredentialsReadOnly',
      actions: ['secretsmanager:GetSecretValue'],
      resources,
      conditions: {
        StringEquals: { [`secretsmanager:ResourceTag/${tag.key}`]: tag.value },
        Null: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: 'true' },
      },
    }),
  };
}

/**
 * Requests CloudFormation does not make for a stack operation. CloudFormation makes each resource operation
 * through a forward access session, whether or not the stack has a service role, so `aws:CalledViaFirst` is
 * `cloudformation.amazonaws.com` on all of them (AWS CloudFormation User Guide, "Forward access sessions (FAS)
 * requests and permission evaluation"); a request made directly has no such key, and a negated operator on a
 * missing key matches.
 */
const NOT_BY_CLOUDFORMATION = { StringNotEquals: { 'aws:CalledViaFirst': 'cloudformation.amazonaws.com' } };

/**
 * A managed secret's own policy, whatever identity policies in the account allow (an explicit Deny wins):
 * - only its rotator's role writes versions and moves labels;
 * - only CloudFormation, deploying the stack, changes the secret (UpdateSecret: its description, its key, or a
 *   value written outside the rotation) or adds or removes the managed-token tag, the tag the rotators' grants
 *   and the root-credential statement's exclusion rest on.
 * Administrators keep reading, describing and changing this policy.
 */
export function guardManagedSecret(secret: secretsmanager.Secret, rotatorRole: iam.IRole): void {
  const deny = (sid: string, actions: string[], conditions: Record<string, unknown>) =>
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: actions.map((action) => `secretsmanager:${action}`),
        resources: ['*'],
        conditions,
      }),
    );
  deny('OnlyItsRotatorWritesVersions', ['PutSecretValue', 'UpdateSecretVersionStage'], {
    ArnNotEquals: { 'aws:PrincipalArn': rotatorRole.roleArn },
  });
  deny('OnlyCloudFormationUpdates', ['UpdateSecret'], NOT_BY_CLOUDFORMATION);
  // Tag keys are matched ignoring case, as IAM matches the tag key of a ResourceTag condition.
  deny('OnlyCloudFormationChangesTheManagedTag', ['TagResource', 'UntagResource'], {
    ...NOT_BY_CLOUDFORMATION,
    'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [MANAGED_SECRET_TAG] },
  });
  // The policy only denies; Secrets Manager refuses any later change that would open the secret more widely.
  const policy = secret.node.children.find((c) => c instanceof secretsmanager.ResourcePolicy);
  (policy?.node.defaultChild as secretsmanager.CfnResourcePolicy).blockPublicPolicy = true;
}

/**
 * What `grantRead` gives a consumer of one token: that secret's AWSCURRENT and AWSPREVIOUS, asked for by label
 * (a request by version id, or for AWSPENDING or any other label, is refused), its description, and the stack
 * key only through Secrets Manager and only for that secret (`kms:EncryptionContext:SecretARN`).
 */
export function readOneTokenStatements(
  scope: IConstruct,
  secretName: string,
  key: kms.IKey,
): { actions: string[]; resourceArns: string[]; conditions?: Record<string, Record<string, unknown>> }[] {
  const arn = secretArn(scope, `${secretName}-??????`);
  return [
    {
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [arn],
      conditions: { StringEquals: { 'secretsmanager:VersionStage': [...READABLE_STAGES] } },
    },
    { actions: ['secretsmanager:DescribeSecret'], resourceArns: [arn] },
    {
      actions: ['kms:Decrypt'],
      resourceArns: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': secretsManagerService(scope) },
        StringLike: { 'kms:EncryptionContext:SecretARN': arn },
      },
    },
  ];
}
