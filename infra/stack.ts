import { ArnFormat, CfnOutput, CfnResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { loadConfigFile } from '../functions/config/load';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorConfig, type RotatorKind } from '../functions/config/types';
import { rotationDashboard } from './dashboard';
import { RotatorFunction, logGroupPrefix } from './rotator-function';
import { fanOutPlan } from './work-queue';
import { allowRotationOf } from './secrets-manager-rotation';
import { MANAGED_SECRET_TAG, readOneTokenStatements } from './secret-policies';
import { onlyRotatorsAnnounce } from './bus-policy';
import { TokenShardStack, pascal, tokenShard } from './token-shards';

/** CloudFormation's limits on one template. */
export const MAX_OUTPUTS = 200;
export const MAX_RESOURCES = 500;

export { MANAGED_SECRET_TAG };

export interface BigCommerceTokenRotatorProps {
  /**
   * The configuration: as parseConfig or loadConfigFile returned it, or the path of a configuration file (JSON),
   * which is read and validated here: an invalid one throws a ConfigError naming each problem.
   */
  config: RotatorConfig | string;
  logRetention?: logs.RetentionDays;
}

export interface TokenRotatorStackProps extends StackProps, BigCommerceTokenRotatorProps {}

/**
 * The whole product, in any stack: a customer-managed key, the event bus, one scheduled rotator function per
 * group of families that has tokens, and the secrets (one per managed token, under a stable name) in nested
 * stacks, one per shard of stores that has tokens. Its cdk-nag acknowledgements are on its own constructs, so
 * they hold in whichever stack and app it is built.
 */
export class BigCommerceTokenRotator extends Construct {
  /** Each token's secret, by token id (in its shard's nested stack). */
  readonly secrets = new Map<string, secretsmanager.Secret>();
  /** The nested stacks that hold the secrets, by shard. */
  readonly shards = new Map<number, TokenShardStack>();
  readonly rotators = new Map<RotatorKind, RotatorFunction>();
  readonly bus: events.EventBus;
  readonly key: kms.Key;
  readonly alarmTopic: sns.Topic;
  private readonly tokens: ReadonlyMap<string, ManagedToken>;

  constructor(scope: Construct, id: string, props: BigCommerceTokenRotatorProps) {
    // Read and validated before the construct joins the tree, so that an invalid configuration adds nothing.
    const config = typeof props.config === 'string' ? loadConfigFile(props.config).config : props.config;
    refuseSecondRotator(Stack.of(scope));
    super(scope, id);
    const stack = Stack.of(this);
    this.tokens = new Map(config.tokens.map((t) => [t.id, t]));

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
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
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
    // context of each request, and the condition admits only this stack's function log groups: the
    // condition AWS documents for log group encryption. AWS documents no aws:SourceAccount or aws:SourceArn for
    // it, and a condition on a key the request does not carry denies the request, which would stop the
    // functions' logs; so none is added.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
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
            'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${logGroupPrefix(stack.stackName)}*`,
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

    const fanOut = fanOutPlan(config.tokens);
    for (const [kind, workQueue] of fanOut.workQueue) {
      const tokens = config.tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind);
      const stores = config.stores.filter((s) => tokens.some((t) => t.storeHash === s.storeHash));
      // B2B tokens are minted with the backend user's login; every other family with the API account token.
      const rootKeyArns = stores.flatMap((s) => {
        const key = kind === 'b2b' ? s.b2bCredentialsKmsKeyArn : s.credentialsKmsKeyArn;
        return key ? [key] : [];
      });
      const rotator = new RotatorFunction(this, `${pascal(kind)}Rotator`, {
        kind,
        schedule: config.schedules[kind],
        secretsTag: this.secretsTag(kind),
        secretNames: tokens.map((t) => t.secretName),
        secretsKey: this.key,
        rootCredential: kind === 'b2b' ? 'b2b-login' : 'api-account',
        rootKeyArns: [...new Set(rootKeyArns)],
        bus: this.bus,
        config,
        logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        alarmTopic: this.alarmTopic,
        workQueue,
        writesPerSecond: fanOut.writesPerSecond,
      });
      this.rotators.set(kind, rotator);
      allowRotationOf(
        rotator.function,
        tokens.map((t) => t.secretName),
      );
      new CfnOutput(this, `${pascal(kind)}RotatorFunctionName`, {
        value: rotator.function.functionName,
        description: `Invoke manually: aws lambda invoke --function-name <this> --payload '{"dryRun":true}' out.json`,
      });
      new CfnOutput(this, `${pascal(kind)}DeadLetterQueueUrl`, { value: rotator.deadLetterQueue.queueUrl });
    }
    onlyRotatorsAnnounce(
      this.bus,
      [...this.rotators.values()].map((r) => r.role),
    );
    this.grantKeyToSecretsManager();
    this.addShards(config.tokens);
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    if (this.rotators.size > 0) {
      new CfnOutput(this, 'DashboardName', {
        value: rotationDashboard(this, this.rotators, { anyPaused: config.tokens.some((t) => t.paused) }).dashboardName,
        description: 'CloudWatch dashboard: outcomes, the tokens closest to expiry, failures by step',
      });
    }
    new CfnOutput(this, 'SecretsKeyArn', {
      value: this.key.keyArn,
      description: 'KMS key of the token secrets: consumers need kms:Decrypt on it, via Secrets Manager',
    });
    if (this.rotators.size > 0) {
      new CfnOutput(this, 'ManagedSecretsTag', {
        value: [...this.rotators.keys()]
          .map((kind) => this.secretsTag(kind))
          .map((tag) => `${tag.key}=${tag.value}`)
          .join(','),
        description:
          'The tag of the token secrets, one value per function; their ARNs: aws secretsmanager list-secrets ' +
          '--filters Key=tag-key,Values=<key> Key=tag-value,Values=<value>',
      });
    }
    // At synth, when the stack holds all it will: in an app's own stack, its other resources count too.
    this.node.addValidation({ validate: () => this.limitsExceeded() });
  }

  /**
   * The token secrets go into nested stacks by store, so that neither a template's 500 resources nor the
   * root's outputs bound the number of tokens; only shards that have tokens exist.
   */
  private addShards(tokens: readonly ManagedToken[]): void {
    const byShard = new Map<number, ManagedToken[]>();
    for (const token of tokens) {
      const shard = tokenShard(token.storeHash);
      byShard.set(shard, [...(byShard.get(shard) ?? []), token]);
    }
    const rotators = new Map<RotatorKind, { function: lambda.IFunction; role: iam.IRole }>(this.rotators);
    for (const shard of [...byShard.keys()].sort((a, b) => a - b)) {
      const stack = new TokenShardStack(this, `TokenShard${String(shard).padStart(3, '0')}`, {
        tokens: byShard.get(shard) ?? [],
        key: this.key,
        rotators,
        secretsTag: (kind) => this.secretsTag(kind),
      });
      this.shards.set(shard, stack);
      for (const [id, secret] of stack.secrets) this.secrets.set(id, secret);
    }
  }

  /**
   * What a secret created with the key grants Secrets Manager on it, for this account, granted once for every
   * token's secret (the secrets, in the nested stacks, name the key by its ARN and grant nothing themselves): the
   * same key policy as when each secret granted it, built from two statements instead of two per secret.
   */
  private grantKeyToSecretsManager(): void {
    const stack = Stack.of(this);
    const secretsManager = new kms.ViaServicePrincipal(
      `secretsmanager.${stack.region}.amazonaws.com`,
      new iam.AccountPrincipal(stack.account),
    );
    this.key.grantEncryptDecrypt(secretsManager);
    this.key.grant(secretsManager, 'kms:CreateGrant', 'kms:DescribeKey');
  }

  /**
   * CloudFormation refuses a template with more than 500 resources or 200 outputs at deploy time, after the
   * deploy has started; say so at synth, with what to do, instead. Each nested stack is a template of its own.
   */
  private limitsExceeded(): string[] {
    const over = [
      ...overLimits(Stack.of(this)).map((o) => `the root stack makes ${o}`),
      ...[...this.shards].flatMap(([shard, stack]) =>
        overLimits(stack).map((o) => `shard ${shard} (${storesOf(stack.secrets.keys(), this.tokens)}) makes ${o}`),
      ),
    ];
    if (over.length === 0) return [];
    return [
      `${over.join('; ')}. All the tokens of a store share one nested stack, with three resources per token (its ` +
        "secret, the secret's policy and its rotation schedule). Move some of these stores' tokens to a configuration deployed as a " +
        'separate stack: ROTATOR_STACK_NAME=<name> npx cdk deploy -c config=<file> (in an app of your own, a ' +
        'BigCommerceTokenRotator in another stack), each configuration with its own eventBusName.',
    ];
  }

  /**
   * Lets `grantee` read one token (readOneTokenStatements): its AWSCURRENT and AWSPREVIOUS, its description, and
   * the stack key only through Secrets Manager and only for that secret. The secret is named by its ARN pattern
   * in this stack (its name and the six characters Secrets Manager appends), not by a reference into its nested
   * stack, which would be an output there and a parameter here for every token granted.
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import * as iam from 'aws-cdk-lib/aws-iam';
   * import { BigCommerceTokenRotator } from './infra/stack';
   *
   * const stack = new Stack(new App(), 'Storefront');
   * const rotator = new BigCommerceTokenRotator(stack, 'TokenRotator', { config: 'rotator.config.json' });
   * const role = new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
   * rotator.grantRead('headless-storefront', role); // throws for a token id the configuration does not have
   * ```
   */
  grantRead(tokenId: string, grantee: iam.IGrantable): iam.Grant {
    const token = this.managedToken(tokenId, 'grantRead');
    const [first, ...rest] = readOneTokenStatements(this, token.secretName, this.key).map((statement) =>
      iam.Grant.addToPrincipal({ grantee, ...statement }),
    );
    return rest.reduce((grant, next) => grant.combine(next), first as iam.Grant);
  }

  /**
   * The name of a token's secret, as configured: what an app's code reads it by (the reader's `secretId`). A
   * plain string, not a reference into the secret's nested stack.
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import { BigCommerceTokenRotator } from './infra/stack';
   *
   * const stack = new Stack(new App(), 'Storefront');
   * const rotator = new BigCommerceTokenRotator(stack, 'TokenRotator', { config: 'rotator.config.json' });
   * // bigcommerce/abc123xyz/headless-storefront: passed to the app, whose reader takes it as `secretId`.
   * const environment = { TOKEN_SECRET: rotator.secretName('headless-storefront') };
   * console.log(environment);
   * ```
   */
  secretName(tokenId: string): string {
    return this.managedToken(tokenId, 'secretName').secretName;
  }

  private managedToken(tokenId: string, method: string): ManagedToken {
    const token = this.tokens.get(tokenId);
    if (!token) {
      throw new Error(`${method}: no managed token "${tokenId}" (known: ${[...this.tokens.keys()].join(', ')})`);
    }
    return token;
  }

  /**
   * The tag that says which function of which stack a managed secret belongs to: its IAM grants by this tag,
   * so a function touches only its own secrets and its policy does not grow with the number of tokens.
   *
   * @example
   * ```ts
   * import { App } from 'aws-cdk-lib';
   * import { TokenRotatorStack } from './infra/stack';
   *
   * const stack = new TokenRotatorStack(new App(), 'BigCommerceTokenRotator', { config: 'rotator.config.json' });
   * const { key, value } = stack.rotator.secretsTag('storefront');
   * // aws secretsmanager list-secrets --filters Key=tag-key,Values=<key> Key=tag-value,Values=<value>
   * console.log(key, value); // bigcommerce-token-rotator BigCommerceTokenRotator/storefront
   * ```
   */
  secretsTag(kind: RotatorKind): { key: string; value: string } {
    return { key: MANAGED_SECRET_TAG, value: `${Stack.of(this).stackName}/${kind}` };
  }
}

/**
 * The id of the construct in the standalone stack. CDK leaves `Default` out of logical ids, so the stack's
 * resources keep the logical ids they had when the stack built them itself: a deployed stack updates in place.
 */
const STANDALONE_ID = 'Default';

/**
 * The standalone app's stack: one BigCommerceTokenRotator and nothing else; the construct's parts that the
 * app's users and tests reach are forwarded.
 */
export class TokenRotatorStack extends Stack {
  readonly rotator: BigCommerceTokenRotator;

  constructor(scope: Construct, id: string, props: TokenRotatorStackProps) {
    super(scope, id, props);
    this.rotator = new BigCommerceTokenRotator(this, STANDALONE_ID, props);
  }

  get shards(): ReadonlyMap<number, TokenShardStack> {
    return this.rotator.shards;
  }

  get rotators(): ReadonlyMap<RotatorKind, RotatorFunction> {
    return this.rotator.rotators;
  }

  get key(): kms.Key {
    return this.rotator.key;
  }

  /**
   * BigCommerceTokenRotator.grantRead, for the standalone stack.
   *
   * @example
   * ```ts
   * import { App, Stack } from 'aws-cdk-lib';
   * import * as iam from 'aws-cdk-lib/aws-iam';
   * import { TokenRotatorStack } from './infra/stack';
   *
   * const app = new App();
   * const rotator = new TokenRotatorStack(app, 'BigCommerceTokenRotator', { config: 'rotator.config.json' });
   * const role = new iam.Role(new Stack(app, 'Storefront'), 'AppRole', {
   *   assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
   * });
   * rotator.grantRead('headless-storefront', role);
   * ```
   */
  grantRead(tokenId: string, grantee: iam.IGrantable): iam.Grant {
    return this.rotator.grantRead(tokenId, grantee);
  }
}

/**
 * One rotator a stack: its functions' log groups, schedules, tags and B2B ownership marks are named after the
 * stack, so a second one in the same stack would collide with the first at deploy (or, for B2B tokens of one
 * store, revoke the first's). Refused before the second joins the tree.
 */
function refuseSecondRotator(stack: Stack): void {
  const first = stack.node.findAll().find((c) => c instanceof BigCommerceTokenRotator && Stack.of(c) === stack);
  if (first) {
    throw new Error(
      `${stack.stackName} already holds a BigCommerceTokenRotator (${first.node.path}): a stack holds at most one, ` +
        'since its functions, schedules and tags are named after the stack. Put the second in a stack of its own, ' +
        'with its own eventBusName and secret names.',
    );
  }
}

/** What goes over CloudFormation's limits in one template (its own resources and outputs, not its nested stacks'). */
function overLimits(stack: Stack): string[] {
  const own = stack.node.findAll().filter((c) => Stack.of(c) === stack);
  const outputs = own.filter((c) => c instanceof CfnOutput).length;
  const resources = own.filter((c) => c instanceof CfnResource).length;
  return [
    ...(outputs > MAX_OUTPUTS ? [`${outputs} outputs (CloudFormation allows ${MAX_OUTPUTS})`] : []),
    ...(resources > MAX_RESOURCES ? [`${resources} resources (CloudFormation allows ${MAX_RESOURCES})`] : []),
  ];
}

/** "store abc (250 tokens), store def (3 tokens)": the stores of some tokens, with their token counts. */
function storesOf(tokenIds: Iterable<string>, tokens: ReadonlyMap<string, ManagedToken>): string {
  const counts = new Map<string, number>();
  for (const id of tokenIds) {
    const store = (tokens.get(id) as ManagedToken).storeHash;
    counts.set(store, (counts.get(store) ?? 0) + 1);
  }
  return [...counts].map(([store, n]) => `store ${store} (${n} tokens)`).join(', ');
}
