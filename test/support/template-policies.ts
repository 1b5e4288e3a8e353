import type { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PolicyStatement } from './iam-evaluation';

type Json = any;

/**
 * A synthesized stack's policy documents with CloudFormation's intrinsic functions resolved the way a deployment
 * would in one account and Region: pseudo parameters to their values, `Fn::GetAtt [X, Arn]` to an ARN named
 * after X (a role's `arn:aws:iam::<account>:role/X`), a nested stack's parameters to what its parent passes.
 */
export class DeployedPolicies {
  private readonly root: Json;

  constructor(
    private readonly stack: Stack,
    private readonly env: { account: string; region: string },
  ) {
    this.root = Template.fromStack(stack).toJSON();
  }

  /** The ARN a deployment gives the root stack's resource `logicalId`. */
  arnOf(logicalId: string): string {
    const { account, region } = this.env;
    const type: string = this.root.Resources[logicalId]?.Type ?? '';
    if (type === 'AWS::IAM::Role') return `arn:aws:iam::${account}:role/${logicalId}`;
    if (type === 'AWS::KMS::Key') return `arn:aws:kms:${region}:${account}:key/${logicalId}`;
    if (type === 'AWS::Events::EventBus') return `arn:aws:events:${region}:${account}:event-bus/${logicalId}`;
    return `arn:aws:cloudformation:${region}:${account}:resource/${logicalId}`;
  }

  /** The root stack's resource whose logical id starts with `prefix` and has `type`. */
  logicalId(prefix: string, type: string): string {
    const id = Object.keys(this.root.Resources).find(
      (k) => k.startsWith(prefix) && this.root.Resources[k].Type === type,
    );
    if (!id) throw new Error(`no ${type} ${prefix}*`);
    return id;
  }

  /** The statements of the inline policies attached to a role of the root stack. */
  identityPolicy(roleLogicalId: string): PolicyStatement[] {
    return Object.values(this.root.Resources as Record<string, Json>)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => (r.Properties.Roles as Json[]).some((role) => role.Ref === roleLogicalId))
      .flatMap((r) => this.resolve(r.Properties.PolicyDocument.Statement, this.root, {}));
  }

  /** A role's trust policy. */
  trustPolicy(roleLogicalId: string): PolicyStatement[] {
    const role = this.root.Resources[roleLogicalId];
    return this.resolve(role.Properties.AssumeRolePolicyDocument.Statement, this.root, {});
  }

  /** The event bus's policy statements. */
  busPolicy(): PolicyStatement[] {
    return Object.values(this.root.Resources as Record<string, Json>)
      .filter((r) => r.Type === 'AWS::Events::EventBusPolicy')
      .map((r) => this.resolve(r.Properties.Statement, this.root, {}));
  }

  /** A managed secret's policy, found in its shard's nested stack by the secret's name. */
  secretPolicy(shard: NestedStack, secretName: string): PolicyStatement[] {
    const nested = Template.fromStack(shard).toJSON();
    const [secretId] = Object.entries(nested.Resources as Record<string, Json>).find(
      ([, r]) => r.Type === 'AWS::SecretsManager::Secret' && r.Properties.Name === secretName,
    ) ?? [undefined];
    if (!secretId) throw new Error(`no secret ${secretName} in ${shard.node.path}`);
    const policy = Object.values(nested.Resources as Record<string, Json>).find(
      (r) => r.Type === 'AWS::SecretsManager::ResourcePolicy' && r.Properties.SecretId.Ref === secretId,
    );
    const parent = this.root.Resources[this.stack.getLogicalId(shard.nestedStackResource as never)];
    return this.resolve(policy.Properties.ResourcePolicy.Statement, nested, parent.Properties.Parameters ?? {});
  }

  private resolve(value: Json, template: Json, parameters: Record<string, Json>): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, template, parameters));
    if (value === null || typeof value !== 'object') return value;
    if ('Ref' in value) {
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::Region': this.env.region,
        'AWS::AccountId': this.env.account,
      };
      if (value.Ref in pseudo) return pseudo[value.Ref];
      if (value.Ref in parameters) return this.resolve(parameters[value.Ref], this.root, {});
      throw new Error(`cannot resolve Ref ${value.Ref}`);
    }
    if ('Fn::GetAtt' in value) {
      if (template !== this.root) throw new Error('Fn::GetAtt in a nested stack is not resolved here');
      return this.arnOf(value['Fn::GetAtt'][0]);
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return (this.resolve(parts, template, parameters) as string[]).join(separator);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, template, parameters)]));
  }
}
