import {
  ArnFormat,
  CfnOutput,
  CfnResource,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Tags,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorConfig, type RotatorKind } from '../functions/config/types';
import { placeholderValue } from '../functions/rotation/stored-token';
import { rotationDashboard } from './dashboard';
import { RotatorFunction } from './rotator-function';
import { rotateWith } from './secrets-manager-rotation';

/** CloudFormation's limits on one template. */
const MAX_OUTPUTS = 200;
const MAX_RESOURCES = 500;

/** Tag key of the managed-token secrets; its value names the stack and the function (`<stack>/<kind>`). */
export const MANAGED_SECRET_TAG = 'bigcommerce-token-rotator';

export interface TokenRotatorStackProps extends StackProps {
  config: RotatorConfig;
  /** The configuration as validated JSON, embedded in each function bundle. */
  configJson: string;
  logRetention?: logs.RetentionDays;
}

/**
 * The whole product in one stack: a customer-managed key, one secret per managed token under a stable
 * name, the event bus, and one scheduled rotator function per group of families that has tokens.
 */
export class TokenRotatorStack extends Stack {
  readonly secrets = new Map<string, secretsmanager.Secret>();
  readonly rotators = new Map<RotatorKind, RotatorFunction>();
  readonly bus: events.EventBus;
  readonly key: kms.Key;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: TokenRotatorStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.key = new kms.Key(this, 'SecretsKey', {
      description: 'Encrypts the BigCommerce tokens kept by bigcommerce-token-rotator',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: config.eventBusName,
      description: 'Announces BigCommerce token rotations',
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'BigCommerce token rotation alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    // CloudWatch alarms publish to the encrypted topic, so they need the key, and the topic's policy must let
    // them publish (the policy CDK writes for enforceSSL replaces SNS's default one, which allowed this account).
    // Both grants name this account and its alarms: the service principal acts for every account, and without
    // the conditions an alarm in another account could publish here and use this key (the confused deputy).
    // AWS documents both keys for CloudWatch as an event source of encrypted topics; EventBridge is the source
    // for which they are unsupported, and nothing here lets EventBridge publish to the topic.
    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: {
        'aws:SourceArn': this.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromThisAccountsAlarms,
      }),
    );
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    // The functions' log groups are encrypted with it too. CloudWatch Logs names the log group in the encryption
    // context of each request, and the condition admits only this account's log groups in this Region: the
    // condition AWS documents for log group encryption. AWS documents no aws:SourceAccount or aws:SourceArn for
    // it, and a condition on a key the request does not carry denies the request, which would stop the
    // functions' logs; so none is added.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );
    if (config.notifications.email)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.notifications.email));
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      description: 'Subscribe to be told when a rotation fails',
    });

    for (const token of config.tokens) this.secrets.set(token.id, this.managedSecret(token));

    const kinds = [...new Set(config.tokens.map((t) => FAMILY_ROTATOR[t.family]))];
    for (const kind of kinds) {
      const tokens = config.tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind);
      const stores = config.stores.filter((s) => tokens.some((t) => t.storeHash === s.storeHash));
      // B2B tokens are minted with the backend user's login; every other family with the API account token.
      const rootSecrets = stores.flatMap((s) =>
        kind === 'b2b'
          ? s.b2bCredentialsSecret
            ? [{ name: s.b2bCredentialsSecret, kmsKeyArn: s.b2bCredentialsKmsKeyArn }]
            : []
          : s.credentialsSecret
            ? [{ name: s.credentialsSecret, kmsKeyArn: s.credentialsKmsKeyArn }]
            : [],
      );
      const rotator = new RotatorFunction(this, `${pascal(kind)}Rotator`, {
        kind,
        schedule: config.schedules[kind],
        secretsTag: this.secretsTag(kind),
        secretsKey: this.key,
        rootSecrets,
        bus: this.bus,
        configJson: props.configJson,
        logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        alarmTopic: this.alarmTopic,
      });
      this.rotators.set(kind, rotator);
      rotateWith(
        rotator.function,
        tokens.map((t) => ({ secret: this.secrets.get(t.id) as secretsmanager.Secret, name: t.secretName })),
      );
      new CfnOutput(this, `${pascal(kind)}RotatorFunctionName`, {
        value: rotator.function.functionName,
        description: `Invoke manually: aws lambda invoke --function-name <this> --payload '{"dryRun":true}' out.json`,
      });
      new CfnOutput(this, `${pascal(kind)}DeadLetterQueueUrl`, { value: rotator.deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    if (this.rotators.size > 0) {
      new CfnOutput(this, 'DashboardName', {
        value: rotationDashboard(this, this.rotators).dashboardName,
        description: 'CloudWatch dashboard: outcomes, the tokens closest to expiry, failures by step',
      });
    }
    new CfnOutput(this, 'SecretsKeyArn', {
      value: this.key.keyArn,
      description: 'KMS key of the token secrets: consumers need kms:Decrypt on it, via Secrets Manager',
    });
    this.assertWithinLimits(config.tokens.length);
  }

  /**
   * CloudFormation refuses a template with more than 500 resources or 200 outputs at deploy time, after the
   * deploy has started; say so at synth, with what to do, instead.
   */
  private assertWithinLimits(tokens: number): void {
    const outputs = this.node.findAll().filter((c) => c instanceof CfnOutput).length;
    const resources = this.node.findAll().filter((c) => c instanceof CfnResource).length;
    const over = [
      ...(outputs > MAX_OUTPUTS ? [`${outputs} outputs (CloudFormation allows ${MAX_OUTPUTS})`] : []),
      ...(resources > MAX_RESOURCES ? [`${resources} resources (CloudFormation allows ${MAX_RESOURCES})`] : []),
    ];
    if (over.length > 0) {
      throw new Error(
        `${tokens} tokens make ${over.join(' and ')}: each token has its own secret, rotation schedule and ` +
          'output. Split the tokens across configurations deployed as separate stacks: ROTATOR_STACK_NAME=<name> ' +
          'npx cdk deploy -c config=<file>, each configuration with its own eventBusName.',
      );
    }
  }

  /**
   * Lets `grantee` read one token: GetSecretValue and DescribeSecret on its secret, and kms:Decrypt on the
   * stack's key only when Secrets Manager asks on its behalf (`kms:ViaService`), so the key cannot be used
   * to decrypt anything else directly.
   */
  grantRead(tokenId: string, grantee: iam.IGrantable): iam.Grant {
    const secret = this.secrets.get(tokenId);
    if (!secret) {
      throw new Error(`grantRead: no managed token "${tokenId}" (known: ${[...this.secrets.keys()].join(', ')})`);
    }
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [secret.secretArn],
    });
    return grant.combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['kms:Decrypt'],
        resourceArns: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
      }),
    );
  }

  /**
   * The token's secret, created with the placeholder as its first version. Secrets Manager gives a secret's
   * first version AWSCURRENT whatever labels the write asks for, so were the secret created empty, the first
   * token the rotator staged would become current before being verified; with the placeholder current from
   * the start, a token only becomes current by promotion. Not CDK's default either: a generated random string
   * could be mistaken for a token.
   */
  /**
   * The tag that says which function of which stack a managed secret belongs to: its IAM grants by this tag,
   * so a function touches only its own secrets and its policy does not grow with the number of tokens.
   */
  secretsTag(kind: RotatorKind): { key: string; value: string } {
    return { key: MANAGED_SECRET_TAG, value: `${this.stackName}/${kind}` };
  }

  private managedSecret(token: ManagedToken): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `Secret${pascal(token.id)}`, {
      secretName: token.secretName,
      description: `BigCommerce ${token.family} token "${token.id}" for store ${token.storeHash}, rotated by bigcommerce-token-rotator`,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
      // Plain text in the template is safe here: the placeholder holds no secret (`token` is null; the rest is
      // the token's id, family and store, all already in the secret's description). Its text must not change:
      // CloudFormation would write the new text as the current version of every deployed secret, displacing
      // live tokens until the next run (the infra test pins it).
      secretStringValue: SecretValue.unsafePlainText(placeholderValue(token)),
    });
    const tag = this.secretsTag(FAMILY_ROTATOR[token.family]);
    Tags.of(secret).add(tag.key, tag.value);
    new CfnOutput(this, `Secret${pascal(token.id)}Arn`, {
      value: secret.secretArn,
      description: `Secret ${token.secretName}, holding token "${token.id}"`,
    });
    return secret;
  }
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
