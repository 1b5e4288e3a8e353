import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ConfigError } from '../../functions/config/errors';
import { loadConfigFile } from '../../functions/config/load';
import type { TokenFamily } from '../../functions/config/types';
import { PLACEHOLDER_STATUS, placeholderValue } from '../../functions/rotation/stored-token';
import { buildApp } from '../../infra/app';
import { ROTATION_FAILED_MESSAGE, SERVICE_NAME } from '../../functions/observability/logger';
import {
  METRICS_NAMESPACE,
  OUTCOME_METRICS,
  RENEWAL_OVERDUE,
  SECONDS_SINCE_MINTED,
  SECONDS_UNTIL_EXPIRY,
  TOKEN_DIMENSIONS,
  TOKEN_PAUSED,
} from '../../functions/observability/rotation-metrics';
import { TOKEN_TABLE_ROWS } from '../../infra/dashboard';
import { TOKEN_DATA_IDENTIFIERS } from '../../infra/log-data-protection';
import { MANAGED_SECRET_TAG, TokenRotatorStack } from '../../infra/stack';
import { auditText } from '../support/audit';
import { secretsTemplate } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const OUT = path.join(__dirname, '../../.jest-cdk-out');

const CONFIG_DIR = mkdtempSync(path.join(os.tmpdir(), 'bctr-config-'));
afterAll(() => rmSync(CONFIG_DIR, { recursive: true, force: true }));
let configs = 0;

function writeConfig(config: Record<string, unknown>): string {
  const file = path.join(CONFIG_DIR, `rotator-${++configs}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** The app on the shortcut of test/support/infra.ts's useAppBuilder: not bundled, environment-agnostic. */
function synth(config: Record<string, unknown> = storefrontConfig(), name = 'stack') {
  const { app, stack } = buildApp({
    configPath: writeConfig(config),
    environment: 'agnostic',
    app: { outdir: path.join(OUT, name), context: { 'aws:cdk:bundling-stacks': [] } },
  });
  return {
    app,
    stack,
    template: () => {
      const template = Template.fromStack(stack);
      auditText('template', JSON.stringify(template.toJSON()));
      return template;
    },
    /** The nested stack's template, where the secrets of the one store are. */
    secrets: () => {
      const template = secretsTemplate(stack);
      auditText('template', JSON.stringify(template.toJSON()));
      return template;
    },
  };
}

describe('the stack', () => {
  const built = synth();
  const stack = built.stack;
  const template = built.template();
  const secrets = built.secrets();
  const json = JSON.stringify([template.toJSON(), secrets.toJSON()]);

  it('keeps each managed token in its own secret, under a stable name, encrypted with the stack key', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    secrets.resourceCountIs('AWS::SecretsManager::Secret', 3);
    // The key's ARN comes in as a parameter of the nested stack, set by the root stack.
    const [keyParameter] = Object.keys(secrets.findParameters('*')).filter((p) => p.includes('SecretsKey'));
    template.hasResourceProperties('AWS::CloudFormation::Stack', {
      Parameters: { [keyParameter as string]: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] } },
    });
    for (const id of ['headless', 'browser', 'impersonation']) {
      secrets.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `bigcommerce/teststore1/${id}`,
        KmsKeyId: { Ref: keyParameter },
        GenerateSecretString: Match.absent(),
      });
    }
    expect(Object.values(secrets.findResources('AWS::SecretsManager::Secret')).map((s) => s.DeletionPolicy)).toEqual([
      'Retain',
      'Retain',
      'Retain',
    ]);
  });

  it("creates each secret with its token's placeholder as first version, which holds no token", () => {
    const tokens = storefrontConfig().tokens as { id: string; family: TokenFamily; store: string }[];
    const created = Object.values(secrets.findResources('AWS::SecretsManager::Secret')) as {
      Properties: { Name: string; SecretString: string };
    }[];
    expect(created).toHaveLength(tokens.length);
    for (const token of tokens) {
      const secret = created.find((s) => s.Properties.Name === `bigcommerce/teststore1/${token.id}`);
      const expected = placeholderValue({ id: token.id, family: token.family, storeHash: token.store });
      expect(secret?.Properties.SecretString).toBe(expected);
      expect(JSON.parse(secret?.Properties.SecretString ?? '{}')).toEqual({
        schemaVersion: 1,
        token: null,
        status: PLACEHOLDER_STATUS,
        tokenId: token.id,
        family: token.family,
        storeHash: 'teststore1',
      });
    }
  });

  it('keeps the placeholder text byte for byte: a change would be deployed over every live token', () => {
    expect(placeholderValue({ id: 'headless', family: 'storefront-private', storeHash: 'teststore1' })).toBe(
      '{"schemaVersion":1,"token":null,"status":"awaiting-first-rotation","tokenId":"headless","family":"storefront-private","storeHash":"teststore1"}',
    );
  });

  it('uses a customer-managed key with rotation on', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('runs the function on arm64 with the current Node runtime, and no secrets in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      Environment: {
        Variables: {
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^Bus') },
          POWERTOOLS_SERVICE_NAME: 'bigcommerce-token-rotator',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          AWS_LAMBDA_EXEC_WRAPPER: '/var/task/heap-wrapper.sh',
        },
      },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual([
      'AWS_LAMBDA_EXEC_WRAPPER',
      'EVENT_BUS_NAME',
      'NODE_OPTIONS',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'ROTATOR_STACK_NAME',
      'SECRETS_WRITES_PER_SECOND',
    ]);
  });

  it('schedules the function with the configured expression, time zone, retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Function'), 'Arn'] },
        Input: JSON.stringify({ trigger: 'schedule' }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('keeps logs for a bounded time, encrypted with the stack key', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 90,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] },
    });
  });

  it('masks tokens and credentials in every log group (Audit and Deidentify statements)', () => {
    const identifiers = TOKEN_DATA_IDENTIFIERS.map((i) => i.name);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as {
      Properties: { DataProtectionPolicy?: any };
    }[];
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      const policy = group.Properties.DataProtectionPolicy;
      expect(policy.Version).toBe('2021-06-01');
      expect(policy.Configuration.CustomDataIdentifier).toEqual(
        TOKEN_DATA_IDENTIFIERS.map((i) => ({ Name: i.name, Regex: i.regex })),
      );
      expect(identifiers).toEqual(expect.arrayContaining(['BigCommerceJwt', 'B2bBackendUserPassword']));
      expect(policy.Statement).toEqual([
        expect.objectContaining({ DataIdentifier: identifiers, Operation: { Audit: { FindingsDestination: {} } } }),
        expect.objectContaining({ DataIdentifier: identifiers, Operation: { Deidentify: { MaskConfig: {} } } }),
      ]);
    }
  });

  it('creates the event bus under the configured name', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'bigcommerce-token-rotator' });
  });

  it('grants the function only its own secrets, read-only root credentials and its own bus', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const functionPolicy = Object.entries(policies).find(([id]) => id.includes('StorefrontRotatorRole'))?.[1] as {
      Properties: { PolicyDocument: { Statement: any[] } };
    };
    const statements = functionPolicy.Properties.PolicyDocument.Statement;
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);

    const managed = bySid('ManagedTokenSecrets');
    expect(managed.Action.sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    // The secrets under the managed names' first path segment, only when they carry this function's tag.
    expect(JSON.stringify(managed.Resource)).toMatch(/:secretsmanager:.*:secret:bigcommerce\/\*"\]\]\}$/);
    expect(managed.Condition).toEqual({
      StringEquals: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: 'BigCommerceTokenRotator/storefront' },
    });
    for (const secret of Object.values(secrets.findResources('AWS::SecretsManager::Secret'))) {
      expect(secret.Properties.Tags).toEqual([
        { Key: MANAGED_SECRET_TAG, Value: 'BigCommerceTokenRotator/storefront' },
      ]);
    }

    const root = bySid('RootCredentialsReadOnly');
    expect(root.Action).toBe('secretsmanager:GetSecretValue');
    expect(root.Condition).toEqual({
      StringEquals: { 'secretsmanager:ResourceTag/bigcommerce-token-rotator:BigCommerceTokenRotator': 'api-account' },
      Null: { [`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`]: 'true' },
    });

    const key = bySid('ManagedTokenSecretsKey');
    expect(key.Action.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(key.Condition.StringEquals['kms:ViaService']).toBeDefined();

    const events = statements.find((s) => s.Action === 'events:PutEvents');
    expect(events.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Bus/), 'Arn'] });
  });

  it('has no wildcard resource on Secrets Manager, KMS or EventBridge actions anywhere', () => {
    let bulkReads = 0;
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: any[] } };
    }[]) {
      for (const s of policy.Properties.PolicyDocument.Statement) {
        const actions: string[] = [s.Action].flat();
        // BatchGetSecretValue alone: it has no resource-level permission, and each secret of a batch is
        // authorised against GetSecretValue, which is granted on the function's own secrets only.
        if (actions.length === 1 && actions[0] === 'secretsmanager:BatchGetSecretValue') {
          expect(s.Resource).toBe('*');
          bulkReads += 1;
          continue;
        }
        if (!actions.some((a) => /^(secretsmanager|kms|events):/.test(a))) continue;
        for (const resource of [s.Resource].flat()) expect(resource).not.toBe('*');
        for (const action of actions) expect(action).not.toMatch(/\*/);
      }
    }
    expect(bulkReads).toBe(1);
  });

  it('alarms on failed rotations, failed invocations and dead letters, through an encrypted topic', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.message = "rotation failed" }',
      MetricTransformations: [
        {
          MetricNamespace: 'BigCommerceTokenRotator',
          MetricName: 'storefront-rotation-failures',
          MetricValue: '1',
          DefaultValue: 0,
        },
      ],
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    for (const metric of ['storefront-rotation-failures', 'Errors', 'ApproximateNumberOfMessagesVisible']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      });
    }
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretsKey'), 'Arn'] },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes the configured email to the alarm topic', () => {
    const withEmail = synth(storefrontConfig({ notifications: { email: 'ops@example.com' } }), 'email').template();
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it("names the secrets' tag and the function in its outputs, and no secret one by one", () => {
    template.hasOutput('ManagedSecretsTag', {
      Value: `${MANAGED_SECRET_TAG}=BigCommerceTokenRotator/storefront`,
      Description: Match.stringLikeRegexp('list-secrets'),
    });
    expect(Object.keys(template.findOutputs('*')).filter((id) => /^Secret.*Arn$/.test(id))).toEqual(['SecretsKeyArn']);
    template.hasOutput('StorefrontRotatorFunctionName', {});
    template.hasOutput('EventBusName', {});
    expect(stack.rotators.size).toBe(1);
  });

  it('contains no credential or token', () => {
    expect(json).not.toMatch(/accessToken|eyJ[A-Za-z0-9_-]{10,}/);
  });
});

describe('the key and topic policies, in a concrete account and Region', () => {
  const ACCOUNT = '111122223333';
  const REGION = 'eu-west-1';
  const { config } = loadConfigFile(writeConfig(storefrontConfig()));
  const app = new App({ outdir: path.join(OUT, 'account'), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new TokenRotatorStack(app, 'InAccount', {
    config,
    env: { account: ACCOUNT, region: REGION },
  });
  const template = Template.fromStack(stack);
  auditText('template', JSON.stringify(template.toJSON()));
  const keyPolicy = (Object.values(template.findResources('AWS::KMS::Key'))[0] as any).Properties.KeyPolicy;
  const statements: any[] = keyPolicy.Statement;
  const serviceStatements = statements.filter((s) => s.Principal?.Service !== undefined);
  /** An ARN as synthesized: the partition stays a reference (the same template serves every partition). */
  const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] });
  /** A condition value as text, references rendered as their names (colons dropped, so ARNs still split). */
  const text = (value: any): string =>
    typeof value === 'string'
      ? value
      : value?.['Fn::Join']
        ? value['Fn::Join'][1].map(text).join(value['Fn::Join'][0])
        : value?.Ref
          ? `<${value.Ref.replaceAll(':', '')}>`
          : JSON.stringify(value);
  const alarmsOfThisAccount = {
    StringEquals: { 'aws:SourceAccount': ACCOUNT },
    ArnLike: { 'aws:SourceArn': arn(`cloudwatch:${REGION}:${ACCOUNT}:alarm:*`) },
  };

  it('conditions every service principal of the key policy on this account', () => {
    expect(serviceStatements.map((s) => s.Principal.Service).sort()).toEqual([
      'cloudwatch.amazonaws.com',
      `logs.${REGION}.amazonaws.com`,
    ]);
    // The account itself (aws:SourceAccount), or an ARN in it (aws:SourceArn, the log group's encryption context).
    const namesThisAccount = (value: unknown): boolean =>
      text(value) === ACCOUNT || text(value).split(':')[4] === ACCOUNT;
    for (const statement of serviceStatements) {
      const values = Object.values(statement.Condition ?? {}).flatMap((c) => Object.values(c as object).flat());
      expect({ sid: statement.Sid, namesThisAccount: values.length > 0 && values.every(namesThisAccount) }).toEqual({
        sid: statement.Sid,
        namesThisAccount: true,
      });
    }
  });

  it("lets CloudWatch use the key only for this account's alarms", () => {
    const cloudwatch = serviceStatements.filter((s) => s.Principal.Service === 'cloudwatch.amazonaws.com');
    expect(cloudwatch).toEqual([
      {
        Sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: alarmsOfThisAccount,
      },
    ]);
  });

  it("lets CloudWatch Logs use the key only for this account's log groups in this Region", () => {
    const logs = serviceStatements.filter((s) => s.Principal.Service === `logs.${REGION}.amazonaws.com`);
    expect(logs).toHaveLength(1);
    expect(logs[0].Sid).toBe('CloudWatchLogsEncryptThisAccountsLogGroups');
    expect(logs[0].Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': arn(
          `logs:${REGION}:${ACCOUNT}:log-group:/bigcommerce-token-rotator/InAccount/*`,
        ),
      },
    });
  });

  it("lets only this account's alarms publish to the alarm topic, over TLS", () => {
    const policy = (Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as any).Properties.PolicyDocument;
    const topic = { Ref: expect.stringMatching(/^AlarmTopic/) };
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: topic }),
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: alarmsOfThisAccount,
      },
    ]);
    expect(policy.Statement[0].Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });
});

describe('the payments rotator', () => {
  const config = storefrontConfig({
    tokens: [
      ...(storefrontConfig().tokens as unknown[]),
      { id: 'instruments', store: 'teststore1', family: 'stored-instruments', renewBefore: '30m' },
    ],
  });
  const built = synth(config, 'payments');
  const template = built.template();
  const secrets = built.secrets();

  it('is its own function with its own schedule, derived from the renewal window', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(25 minutes)',
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PaymentsRotatorFunction'), 'Arn'] } },
    });
    template.hasOutput('PaymentsRotatorFunctionName', {});
  });

  it('each function may touch only its own secrets', () => {
    const policies = template.findResources('AWS::IAM::Policy') as Record<
      string,
      { Properties: { PolicyDocument: { Statement: any[] } } }
    >;
    const grantedTag = (role: string) => {
      const policy = Object.entries(policies).find(([id]) => id.startsWith(`${role}RotatorRole`))![1];
      const statement = policy.Properties.PolicyDocument.Statement.find((st) => st.Sid === 'ManagedTokenSecrets');
      return statement.Condition.StringEquals[`secretsmanager:ResourceTag/${MANAGED_SECRET_TAG}`];
    };
    const taggedFor = (value: string) =>
      Object.entries(secrets.findResources('AWS::SecretsManager::Secret'))
        .filter(([, s]) => s.Properties.Tags.some((t: { Value: string }) => t.Value === value))
        .map(([id]) => id);
    expect(taggedFor(grantedTag('Payments'))).toEqual([expect.stringMatching(/^SecretInstruments/)]);
    expect(taggedFor(grantedTag('Storefront'))).toHaveLength(3);
    expect(grantedTag('Storefront')).not.toBe(grantedTag('Payments'));
  });
});

describe('the B2B rotator', () => {
  const config = {
    stores: [
      {
        storeHash: 'teststore1',
        credentialsSecret: 'bigcommerce/teststore1/api-account',
        b2bCredentialsSecret: 'bigcommerce/teststore1/b2b-login',
      },
    ],
    tokens: [
      ...(storefrontConfig().tokens as unknown[]),
      { id: 'erp', store: 'teststore1', family: 'b2b-backend', rotationPeriod: '7d' },
    ],
  };
  const template = synth(config, 'b2b').template();

  it('reads only the B2B login secret, and the storefront rotator only the API account secret', () => {
    const policies = template.findResources('AWS::IAM::Policy') as Record<
      string,
      { Properties: { PolicyDocument: { Statement: any[] } } }
    >;
    const rootSecrets = (role: string) =>
      Object.entries(policies)
        .find(([id]) => id.startsWith(`${role}RotatorRole`))![1]
        .Properties.PolicyDocument.Statement.find((st) => st.Sid === 'RootCredentialsReadOnly').Condition.StringEquals;
    const tagKey = 'secretsmanager:ResourceTag/bigcommerce-token-rotator:BigCommerceTokenRotator';
    expect(rootSecrets('B2b')).toEqual({ [tagKey]: 'b2b-login' });
    expect(rootSecrets('Storefront')).toEqual({ [tagKey]: 'api-account' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^B2bRotatorFunction'), 'Arn'] } },
    });
  });
});

// That the stack leaves no finding is checked where users stand, bundled and with the account and Region resolved
// (test/infra/synthesis.test.ts). Here, on the shortcut, that the app applies the three packs and that a finding
// fails synthesis: what makes that check able to fail.
describe('cdk-nag', () => {
  it('applies the AWS Solutions, PCI DSS 3.2.1 and NIST 800-53 rev. 5 packs', () => {
    const { app: probe, stack } = synth(storefrontConfig(), 'nag-packs');
    new sqs.Queue(stack, 'PlainQueue', { enforceSSL: true });
    expect(() => probe.synth()).toThrow(
      /PCI\.DSS\.321-SQSQueueSSLRequestsOnly|NIST\.800\.53\.R5-SQSQueueUsedAsDLQ|AwsSolutions-SQS3/,
    );
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const { app, stack } = synth(storefrontConfig(), 'nag-probe');
    new sqs.Queue(stack, 'UnsafeQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

describe('configuration at synth', () => {
  it('an invalid configuration never synthesizes', () => {
    const bad = storefrontConfig({
      tokens: [
        {
          id: 'x',
          store: 'teststore1',
          family: 'storefront-private',
          channelIds: [1],
          scopes: ['Nope'],
          lifetime: '1d',
          renewBefore: '2d',
        },
      ],
    });
    expect(() => synth(bad, 'bad')).toThrow(ConfigError);
  });

  it('creates no function for families without tokens', () => {
    const built = synth(
      storefrontConfig({
        tokens: [
          {
            id: 'only',
            store: 'teststore1',
            family: 'customer-impersonation',
            channelId: 1,
            lifetime: '1d',
            renewBefore: '6h',
          },
        ],
      }),
      'one',
    );
    built.template().resourceCountIs('AWS::Lambda::Function', 1);
    built.secrets().resourceCountIs('AWS::SecretsManager::Secret', 1);
  });
});

describe('observability', () => {
  const fullConfig = JSON.parse(readFileSync(path.join(__dirname, '../../rotator.config.json'), 'utf8'));
  const full = synth(fullConfig, 'observability');
  const template = full.template();
  const resources = (type: string) => Object.entries(template.findResources(type)) as [string, any][];
  const [functionIds, logGroupIds] = ['AWS::Lambda::Function', 'AWS::Logs::LogGroup'].map((type) =>
    Object.fromEntries(
      ['Storefront', 'Payments', 'B2b'].map((kind) => [kind, resources(type).find(([id]) => id.startsWith(kind))?.[0]]),
    ),
  ) as [Record<string, string>, Record<string, string>];

  /** The dashboard body as JSON, each reference written as <LogicalId> (or <LogicalId.Attribute>). */
  const dashboard = (t: Template) => {
    const [[, resource]] = Object.entries(t.findResources('AWS::CloudWatch::Dashboard')) as [string, any][];
    const parts: unknown[] = resource.Properties.DashboardBody['Fn::Join'][1];
    const text = parts
      .map((p: any) => (typeof p === 'string' ? p : p.Ref ? `<${p.Ref}>` : `<${p['Fn::GetAtt'].join('.')}>`))
      .join('');
    return JSON.parse(text) as { widgets: { type: string; properties: Record<string, any> }[] };
  };
  const widgets = dashboard(template).widgets;
  const titled = (title: RegExp) => widgets.filter((w) => title.test(w.properties.title));

  it('alarms on each function when a token should have been renewed, from its own metric, through the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    for (const kind of ['Storefront', 'Payments', 'B2b']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: RENEWAL_OVERDUE,
        Dimensions: Match.arrayWith([
          { Name: 'FunctionName', Value: { Ref: functionIds[kind] } },
          { Name: 'service', Value: SERVICE_NAME },
        ]),
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        // A run reports hours apart; in between the alarm keeps what the last run said.
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      });
    }
  });

  it('has one dashboard: alarms, outcomes per function, the tokens nearest expiry, B2B ages, failures by step', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(widgets.map((w) => w.properties.title)).toEqual([
      'Alarms',
      'Token outcomes: storefront rotator (per hour)',
      'Token outcomes: payments rotator (per hour)',
      'Token outcomes: b2b rotator (per hour)',
      'Tokens closest to expiry (seconds left, lowest first)',
      'B2B tokens by age (seconds since minted, oldest first)',
      'Failed rotations by step',
      'Latest failed rotations',
    ]);
    expect(widgets[0]?.properties.alarms).toHaveLength(12);
    template.hasOutput('DashboardName', {});
  });

  it('graphs every outcome the functions count, per function', () => {
    for (const kind of ['storefront', 'payments', 'b2b']) {
      const [graph] = titled(new RegExp(`^Token outcomes: ${kind} `));
      const metrics: unknown[][] = graph?.properties.metrics;
      expect(metrics.map((m) => m[1])).toEqual(Object.values(OUTCOME_METRICS));
      for (const m of metrics) {
        expect(m.slice(0, 6)).toEqual([
          METRICS_NAMESPACE,
          m[1],
          'FunctionName',
          `<${functionIds[kind === 'b2b' ? 'B2b' : kind.charAt(0).toUpperCase() + kind.slice(1)]}>`,
          'service',
          SERVICE_NAME,
        ]);
        expect(m[6]).toMatchObject({ stat: 'Sum', period: 3600 });
      }
    }
  });

  it('lists the tokens closest to expiry with a Metrics Insights query over the per-token metric, lowest first', () => {
    const [table] = titled(/^Tokens closest to expiry/);
    expect(table?.properties.view).toBe('table');
    expect(table?.properties.table.summaryColumns).toEqual(['MIN']);
    const query: string = table?.properties.metrics[0][0].expression;
    expect(query).toBe(
      `SELECT MIN(${SECONDS_UNTIL_EXPIRY}) FROM SCHEMA("${METRICS_NAMESPACE}", ${TOKEN_DIMENSIONS.join(', ')}) ` +
        `WHERE service = '${SERVICE_NAME}' AND (FunctionName = '<${functionIds.Storefront}>' OR FunctionName = '<${functionIds.Payments}>') ` +
        `GROUP BY StoreHash, TokenId ORDER BY MIN() ASC LIMIT ${TOKEN_TABLE_ROWS}`,
    );
    const [ages] = titled(/^B2B tokens by age/);
    expect(ages?.properties.metrics[0][0].expression).toBe(
      `SELECT MAX(${SECONDS_SINCE_MINTED}) FROM SCHEMA("${METRICS_NAMESPACE}", ${TOKEN_DIMENSIONS.join(', ')}) ` +
        `WHERE service = '${SERVICE_NAME}' AND (FunctionName = '<${functionIds.B2b}>') ` +
        `GROUP BY StoreHash, TokenId ORDER BY MAX() DESC LIMIT ${TOKEN_TABLE_ROWS}`,
    );
  });

  it('counts failures by step from the structured "rotation failed" line of every function', () => {
    for (const widget of titled(/failed rotations/i)) {
      expect(widget.type).toBe('log');
      const query: string = widget.properties.query;
      for (const id of Object.values(logGroupIds)) expect(query).toContain(`SOURCE '<${id}>'`);
      expect(query).toContain(`filter message = "${ROTATION_FAILED_MESSAGE}"`);
    }
    expect(titled(/^Failed rotations by step$/)[0]?.properties.query).toContain(
      'stats count(*) as failures by error.step',
    );
  });

  it('shows only the widgets of the functions a stack has', () => {
    const titles = dashboard(synth(storefrontConfig(), 'observability-storefront').template()).widgets.map(
      (w) => w.properties.title,
    );
    expect(titles).toEqual([
      'Alarms',
      'Token outcomes: storefront rotator (per hour)',
      'Tokens closest to expiry (seconds left, lowest first)',
      'Failed rotations by step',
      'Latest failed rotations',
    ]);
  });

  it('lists the paused tokens, from the per-token metric a run reports for them, when the configuration pauses one', () => {
    const config = storefrontConfig();
    (config.tokens as Record<string, unknown>[])[1]!.paused = true;
    const built = synth(config, 'observability-paused').template();
    const storefrontId = Object.keys(built.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('Storefront'),
    );
    const [paused, ...others] = dashboard(built).widgets.filter((w) => /^Paused tokens/.test(w.properties.title));
    expect(others).toEqual([]);
    expect(paused?.properties.table.summaryColumns).toEqual(['MAX']);
    expect(paused?.properties.metrics[0][0].expression).toBe(
      `SELECT MAX(${TOKEN_PAUSED}) FROM SCHEMA("${METRICS_NAMESPACE}", ${TOKEN_DIMENSIONS.join(', ')}) ` +
        `WHERE service = '${SERVICE_NAME}' AND (FunctionName = '<${storefrontId}>') ` +
        `GROUP BY StoreHash, TokenId ORDER BY MAX() DESC LIMIT ${TOKEN_TABLE_ROWS}`,
    );
    expect(titled(/^Paused tokens/)).toEqual([]);
  });
});
