import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorConfig, type RotatorKind } from '../functions/config/types';
import { RotatorFunction } from './rotator-function';

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
    // CloudWatch alarms publish to the encrypted topic, so they need the key.
    this.key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    // The functions' log groups are encrypted with it too, for this account's log groups only.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
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
        secrets: tokens.map((t) => this.secrets.get(t.id) as secretsmanager.Secret),
        secretsKey: this.key,
        rootSecrets,
        bus: this.bus,
        configJson: props.configJson,
        logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        alarmTopic: this.alarmTopic,
      });
      this.rotators.set(kind, rotator);
      new CfnOutput(this, `${pascal(kind)}RotatorFunctionName`, {
        value: rotator.function.functionName,
        description: `Invoke manually: aws lambda invoke --function-name <this> --payload '{"dryRun":true}' out.json`,
      });
      new CfnOutput(this, `${pascal(kind)}DeadLetterQueueUrl`, { value: rotator.deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
  }

  /**
   * The token's secret, created empty: CDK would otherwise generate a random placeholder, which readers
   * could mistake for a token. The first rotation writes the first version.
   */
  private managedSecret(token: ManagedToken): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `Secret${pascal(token.id)}`, {
      secretName: token.secretName,
      description: `BigCommerce ${token.family} token "${token.id}" for store ${token.storeHash}, rotated by bigcommerce-token-rotator`,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    const reason =
      "Rotated by this stack's scheduled rotator function, not by Secrets Manager rotation: only BigCommerce's API can mint the token, and the rotator writes each new version itself.";
    for (const id of ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerRotationEnabled'])
      Validations.of(secret).acknowledge({ id, reason });
    new CfnOutput(this, `Secret${pascal(token.id)}Name`, {
      value: token.secretName,
      description: `Secret holding token "${token.id}"`,
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
