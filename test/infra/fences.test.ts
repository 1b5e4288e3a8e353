import * as iam from 'aws-cdk-lib/aws-iam';
import { Validations } from 'aws-cdk-lib';
import { type PolicyStatement, type Request, evaluate } from '../support/iam-evaluation';
import { DeployedPolicies } from '../support/template-policies';
import { fleetConfig, storeHash, useAppBuilder } from '../support/infra';
import { rotationScheduleName } from '../../infra/rotator-function';

/**
 * The synthesized policies, evaluated with IAM's rules (test/support/iam-evaluation.ts) for requests a
 * deployment in one account would see: who may read or write which secret, tag it, use the key, announce on the
 * bus, assume the scheduler's role. Neither the sandbox nor moto evaluates these conditions.
 */
const ENV = { account: '111122223333', region: 'eu-central-1' };
const build = useAppBuilder();
const { stack } = build(fleetConfig(3), 'fences', ENV);
const consumer = new iam.Role(stack, 'ConsumerRole', {
  assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
});
const STORE = storeHash(0);
stack.grantRead(`${STORE}-headless`, consumer);
for (const id of ['PCI.DSS.321-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy']) {
  Validations.of(consumer).acknowledge({ id, reason: 'A consumer role made by this test to receive grantRead.' });
}
const policies = new DeployedPolicies(stack, ENV);

const role = (kind: 'Storefront' | 'Payments' | 'B2b') => policies.logicalId(`${kind}RotatorRole`, 'AWS::IAM::Role');
const roleArn = (kind: 'Storefront' | 'Payments' | 'B2b') => policies.arnOf(role(kind));
const identity = (kind: 'Storefront' | 'Payments' | 'B2b') => policies.identityPolicy(role(kind));
const secretArn = (name: string) => `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:${name}-AbCdEf`;
const shard = [...stack.shards.values()].find((s) => [...s.secrets.keys()].includes(`${STORE}-headless`))!;
const headless = `bigcommerce/${STORE}/${STORE}-headless`;
const headlessPolicy = policies.secretPolicy(shard, headless);
/** A principal of the account whose identity policy allows everything (an administrator, a CI role). */
const ADMIN = `arn:aws:iam::${ENV.account}:role/Administrator`;
const ADMIN_POLICY: PolicyStatement[] = [{ Effect: 'Allow', Action: '*', Resource: '*' }];

/** A request for a secret, its tags in the request context as Secrets Manager puts them. */
function onSecret(
  principal: string,
  action: string,
  name: string,
  tags: Record<string, string>,
  context: Record<string, string | string[]> = {},
): Request {
  const resourceTags = Object.fromEntries(Object.entries(tags).map(([k, v]) => [`secretsmanager:ResourceTag/${k}`, v]));
  return {
    principal,
    action: `secretsmanager:${action}`,
    resource: secretArn(name),
    context: { ...resourceTags, ...context },
  };
}
const MANAGED = { 'bigcommerce-token-rotator': 'BigCommerceTokenRotator/storefront' };

describe("a rotator's reach into the managed-token secrets", () => {
  it('covers its own tagged secrets under the managed prefix', () => {
    for (const action of ['GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage']) {
      const request = onSecret(roleArn('Storefront'), action, headless, MANAGED);
      expect(evaluate(request, { identity: identity('Storefront'), resource: headlessPolicy })).toBe('allowed');
    }
  });

  it('lists past versions only for the B2B rotator, which recognises by them the tokens earlier versions minted', () => {
    const erp = `bigcommerce/${STORE}/${STORE}-erp`;
    const erpPolicy = policies.secretPolicy(shard, erp);
    const b2bTag = { 'bigcommerce-token-rotator': 'BigCommerceTokenRotator/b2b' };
    const list = (
      kind: 'Storefront' | 'B2b',
      name: string,
      tags: Record<string, string>,
      resource: PolicyStatement[],
    ) => evaluate(onSecret(roleArn(kind), 'ListSecretVersionIds', name, tags), { identity: identity(kind), resource });
    expect(list('B2b', erp, b2bTag, erpPolicy)).toBe('allowed');
    expect(list('Storefront', headless, MANAGED, headlessPolicy)).toBe('implicitly denied');
  });

  it('does not cover a foreign secret tagged into it outside the prefix', () => {
    for (const action of ['GetSecretValue', 'PutSecretValue']) {
      const request = onSecret(roleArn('Storefront'), action, 'payroll/database', MANAGED);
      expect(evaluate(request, { identity: identity('Storefront') })).toBe('implicitly denied');
    }
  });

  it("does not cover another function's secrets, and their own policy refuses the other function's writes", () => {
    const payments = { 'bigcommerce-token-rotator': 'BigCommerceTokenRotator/payments' };
    const name = `bigcommerce/${STORE}/${STORE}-instruments`;
    const resource = policies.secretPolicy(shard, name);
    expect(
      evaluate(onSecret(roleArn('Storefront'), 'GetSecretValue', name, payments), {
        identity: identity('Storefront'),
        resource,
      }),
    ).toBe('implicitly denied');
    // Even were the storefront role granted everything, the secret lets only the payments role write versions.
    expect(
      evaluate(onSecret(roleArn('Storefront'), 'PutSecretValue', name, payments), { identity: ADMIN_POLICY, resource }),
    ).toBe('explicitly denied');
    expect(
      evaluate(onSecret(roleArn('Payments'), 'PutSecretValue', name, payments), {
        identity: identity('Payments'),
        resource,
      }),
    ).toBe('allowed');
  });

  it('is not reopened by untagging a managed secret: neither statement then covers it', () => {
    const request = onSecret(roleArn('Storefront'), 'GetSecretValue', headless, {});
    expect(evaluate(request, { identity: identity('Storefront'), resource: headlessPolicy })).toBe('implicitly denied');
    // Nor by giving it the root-credential tag: the managed-token tag it keeps rules it out.
    const tagged = onSecret(roleArn('Storefront'), 'GetSecretValue', headless, {
      ...MANAGED,
      'bigcommerce-token-rotator:BigCommerceTokenRotator': 'api-account',
    });
    const managedOnly = identity('Storefront').filter((s) => (s as { Sid?: string }).Sid === 'RootCredentialsReadOnly');
    expect(evaluate(tagged, { identity: managedOnly })).toBe('implicitly denied');
  });
});

describe('a managed secret guards itself', () => {
  it('refuses anyone but its rotator versions and labels, however broad their own permissions', () => {
    for (const action of ['PutSecretValue', 'UpdateSecretVersionStage']) {
      const request = onSecret(ADMIN, action, headless, MANAGED);
      expect(evaluate(request, { identity: ADMIN_POLICY, resource: headlessPolicy })).toBe('explicitly denied');
    }
  });

  it('lets only CloudFormation add or remove the managed-token tag, in any letter case, or update the secret', () => {
    for (const [action, keys] of [
      ['UntagResource', ['bigcommerce-token-rotator']],
      ['TagResource', ['team', 'BigCommerce-Token-Rotator']],
      ['UpdateSecret', []],
    ] as const) {
      const direct = onSecret(ADMIN, action, headless, MANAGED, { 'aws:TagKeys': [...keys] });
      expect(evaluate(direct, { identity: ADMIN_POLICY, resource: headlessPolicy })).toBe('explicitly denied');
      const deploying = onSecret(ADMIN, action, headless, MANAGED, {
        'aws:TagKeys': [...keys],
        'aws:CalledViaFirst': 'cloudformation.amazonaws.com',
        'aws:CalledVia': ['cloudformation.amazonaws.com'],
      });
      expect(evaluate(deploying, { identity: ADMIN_POLICY, resource: headlessPolicy })).toBe('allowed');
    }
    // Other tags, and reading and changing the policy itself, stay with the administrators.
    const otherTag = onSecret(ADMIN, 'TagResource', headless, MANAGED, { 'aws:TagKeys': ['cost-center'] });
    expect(evaluate(otherTag, { identity: ADMIN_POLICY, resource: headlessPolicy })).toBe('allowed');
    for (const action of ['PutResourcePolicy', 'DeleteResourcePolicy', 'GetSecretValue']) {
      expect(
        evaluate(onSecret(ADMIN, action, headless, MANAGED), { identity: ADMIN_POLICY, resource: headlessPolicy }),
      ).toBe('allowed');
    }
  });
});

describe("a rotator's reach into the root credentials", () => {
  const apiAccount = `bigcommerce/${STORE}/api-account`;
  const ours = { 'bigcommerce-token-rotator:BigCommerceTokenRotator': 'api-account' };
  const read = (kind: 'Storefront' | 'Payments' | 'B2b', name: string, tags: Record<string, string>) =>
    evaluate(onSecret(roleArn(kind), 'GetSecretValue', name, tags), { identity: identity(kind) });

  it('covers a secret tagged for this stack and for what the function reads, read-only', () => {
    expect(read('Storefront', apiAccount, ours)).toBe('allowed');
    expect(read('Payments', apiAccount, ours)).toBe('allowed');
    expect(
      read('B2b', `bigcommerce/${STORE}/b2b-login`, {
        'bigcommerce-token-rotator:BigCommerceTokenRotator': 'b2b-login',
      }),
    ).toBe('allowed');
    const write = onSecret(roleArn('Storefront'), 'PutSecretValue', apiAccount, ours);
    expect(evaluate(write, { identity: identity('Storefront') })).toBe('implicitly denied');
  });

  it("does not cover another stack's store, an untagged secret, or the other kind of credential", () => {
    expect(
      read('Storefront', `bigcommerce/otherstore/api-account`, {
        'bigcommerce-token-rotator:OtherStack': 'api-account',
      }),
    ).toBe('implicitly denied');
    expect(read('Storefront', apiAccount, {})).toBe('implicitly denied');
    expect(
      read('Storefront', `bigcommerce/${STORE}/b2b-login`, {
        'bigcommerce-token-rotator:BigCommerceTokenRotator': 'b2b-login',
      }),
    ).toBe('implicitly denied');
    expect(read('B2b', apiAccount, ours)).toBe('implicitly denied');
  });
});

describe('what grantRead gives a consumer', () => {
  const consumerArn = policies.arnOf(policies.logicalId('ConsumerRole', 'AWS::IAM::Role'));
  const consumerPolicy = policies.identityPolicy(policies.logicalId('ConsumerRole', 'AWS::IAM::Role'));
  const get = (name: string, context: Record<string, string>) =>
    evaluate(onSecret(consumerArn, 'GetSecretValue', name, MANAGED, context), {
      identity: consumerPolicy,
      resource: headlessPolicy,
    });

  it("reads that token's AWSCURRENT and AWSPREVIOUS, asked for by label", () => {
    expect(get(headless, { 'secretsmanager:VersionStage': 'AWSCURRENT' })).toBe('allowed');
    expect(get(headless, { 'secretsmanager:VersionStage': 'AWSPREVIOUS' })).toBe('allowed');
  });

  it('reads no unverified or revoked version, nor one asked for by id, nor another token', () => {
    for (const stage of ['AWSPENDING', 'BCROTATOR_REVOKED', 'BCROTATOR_CLAIM']) {
      expect(get(headless, { 'secretsmanager:VersionStage': stage })).toBe('implicitly denied');
    }
    expect(get(headless, { 'secretsmanager:VersionId': 'a-version' })).toBe('implicitly denied');
    expect(get(`bigcommerce/${STORE}/${STORE}-browser`, { 'secretsmanager:VersionStage': 'AWSCURRENT' })).toBe(
      'implicitly denied',
    );
  });

  it('decrypts with the key only through Secrets Manager and only for that secret', () => {
    const key = policies.arnOf(policies.logicalId('SecretsKey', 'AWS::KMS::Key'));
    const decrypt = (secret: string, viaService = `secretsmanager.${ENV.region}.amazonaws.com`) =>
      evaluate(
        {
          principal: consumerArn,
          action: 'kms:Decrypt',
          resource: key,
          context: { 'kms:ViaService': viaService, 'kms:EncryptionContext:SecretARN': secretArn(secret) },
        },
        { identity: consumerPolicy },
      );
    expect(decrypt(headless)).toBe('allowed');
    expect(decrypt(`bigcommerce/${STORE}/${STORE}-browser`)).toBe('implicitly denied');
    expect(decrypt(headless, `s3.${ENV.region}.amazonaws.com`)).toBe('implicitly denied');
  });
});

describe('the bus', () => {
  const bus = policies.arnOf(policies.logicalId('Bus', 'AWS::Events::EventBus'));
  const put = (principal: string, source: string, identityPolicy: PolicyStatement[]) =>
    evaluate(
      { principal, action: 'events:PutEvents', resource: bus, context: { 'events:source': source } },
      { identity: identityPolicy, resource: policies.busPolicy() },
    );

  it("takes the product's events from the rotators only", () => {
    for (const kind of ['Storefront', 'Payments', 'B2b'] as const) {
      expect(put(roleArn(kind), 'bigcommerce.token-rotator', identity(kind))).toBe('allowed');
    }
    expect(put(ADMIN, 'bigcommerce.token-rotator', ADMIN_POLICY)).toBe('explicitly denied');
    expect(put(ADMIN, 'com.example.orders', ADMIN_POLICY)).toBe('allowed');
  });
});

describe("the scheduler's role", () => {
  it('is assumed by EventBridge Scheduler for its own schedule in this account only', () => {
    const trust = policies.trustPolicy(policies.logicalId('StorefrontRotatorSchedulerRole', 'AWS::IAM::Role'));
    const assume = (sourceArn: string, account = ENV.account) =>
      evaluate(
        {
          principal: 'scheduler.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: '*',
          context: { 'aws:SourceAccount': account, 'aws:SourceArn': sourceArn },
        },
        { identity: [], resource: trust },
      );
    const schedules = `arn:aws:scheduler:${ENV.region}:${ENV.account}:schedule/default`;
    expect(assume(`${schedules}/BigCommerceTokenRotator-storefront-rotation`)).toBe('allowed');
    expect(assume(`${schedules}/someone-elses-schedule`)).toBe('implicitly denied');
    expect(assume(`${schedules}/BigCommerceTokenRotator-storefront-rotation`, '444455556666')).toBe(
      'implicitly denied',
    );
  });
});

describe('schedule names, which the trust names', () => {
  it('are <stack>-<kind>-rotation, or within 64 characters a distinct digest-bearing name for a long stack name', () => {
    expect(rotationScheduleName('Prod', 'b2b')).toBe('Prod-b2b-rotation');
    const long = (c: string) => `${'A'.repeat(100)}${c}`;
    const [one, two] = [long('x'), long('y')].map((name) => rotationScheduleName(name, 'storefront'));
    expect(one).toHaveLength(64);
    expect(one).toMatch(/^A+-[0-9a-f]{8}-storefront-rotation$/);
    expect(one).not.toBe(two);
  });
});
