import { createHash } from 'node:crypto';
import { ArnFormat, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import type { RootCredential } from '../functions/config/credentials-tag';
import { PRODUCT_NAME, type RotatorConfig, type RotatorKind, type ScheduleConfig } from '../functions/config/types';
import { ROTATION_FAILED_MESSAGE, SERVICE_NAME } from '../functions/observability/log-names';
import { DIMENSIONS, METRICS_NAMESPACE, RENEWAL_OVERDUE } from '../functions/observability/rotation-metrics';
import { FUNCTION_NODE_OPTIONS, FUNCTION_RUNTIME, functionCode } from './bundling';
import { HEAP_WRAPPER_PATH } from './heap-wrapper';
import { managedSecretStatements, rootCredentialsStatement } from './secret-policies';
import { tokenDataProtectionPolicy } from './log-data-protection';
import { WorkQueue } from './work-queue';

export interface RotatorFunctionProps {
  kind: RotatorKind;
  schedule: ScheduleConfig;
  /**
   * The tag every managed-token secret of this function carries, and only those: the function may read and
   * write the secrets that carry it (one statement, whatever the number of tokens).
   */
  secretsTag: { key: string; value: string };
  /** The managed secrets' names, whose first path segments bound what the tag grants. */
  secretNames: readonly string[];
  secretsKey: kms.IKey;
  /** The root credential this function reads, from the secrets tagged for it (credentialsTag). */
  rootCredential: RootCredential;
  /** The customer-managed keys of the root-credential secrets, where the configuration names any. */
  rootKeyArns: readonly string[];
  bus: IEventBus;
  /** The validated configuration, which the function's asset holds beside its code. */
  config: RotatorConfig;
  logRetention: logs.RetentionDays;
  /** Where this function's alarms notify. */
  alarmTopic: sns.ITopic;
  /** Whether the function gets a work queue to hand its sweeps' work out to. */
  workQueue: boolean;
  /** This function's invocations' share of Secrets Manager's account-wide write quota (fanOutPlan). */
  writesPerSecond: number;
}

/**
 * cdk-nag findings that are design choices, each with its reason (the PCI DSS and NIST packs share rule
 * names, so both ids are acknowledged).
 */
function acknowledgeDesignChoices(fn: lambda.Function, roles: iam.Role[]): void {
  const both = (rule: string) => [`PCI.DSS.321-${rule}`, `NIST.800.53.R5-${rule}`];
  const onFunction: [string[], string][] = [
    [
      both('LambdaInsideVPC'),
      "The function reaches only BigCommerce's public APIs and AWS service endpoints and no VPC resource; a VPC would add NAT gateways without narrowing any path.",
    ],
    [
      ['NIST.800.53.R5-LambdaConcurrency'],
      'Runs are bounded by the schedule and overlapping runs are made safe by the compare-and-swap promotion; reserving concurrency would fail deployment in accounts whose unreserved concurrency is at the minimum of 10.',
    ],
    [
      ['NIST.800.53.R5-LambdaDLQ'],
      "Failed asynchronous invocations go to an on-failure destination (the same SQS queue as the schedule's dead letters), which carries the whole invocation record; a DeadLetterConfig would duplicate it.",
    ],
  ];
  for (const [ids, reason] of onFunction) for (const id of ids) Validations.of(fn).acknowledge({ id, reason });
  for (const role of roles) {
    for (const id of both('IAMNoInlinePolicy')) {
      Validations.of(role).acknowledge({
        id,
        reason:
          'Each inline policy belongs to exactly one role and lives and dies with it; a customer-managed policy would be a second, separately attachable object without narrowing any permission.',
      });
    }
  }
}

/**
 * Acknowledges cdk-nag's IAM5 finding on `role` for each wildcard among `resources`, one by one, with `reason`.
 * Each id is computed from the very expression the policy holds, resolved in the role's stack and flattened by
 * cdk-nag's own function, so it names the resource exactly as the finding does however the environment was
 * resolved: `<AWS::Region>:<AWS::AccountId>` in an environment-agnostic stack, `eu-central-1:123456789012`
 * where the CLI knows the account and Region.
 */
function acknowledgeWildcardResources(role: iam.Role, resources: readonly string[], reason: string): void {
  const stack = Stack.of(role);
  for (const resource of resources.map((r) => flattenCfnReference(stack.resolve(r)))) {
    if (resource.includes('*')) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    }
  }
}

/**
 * Where a stack's function log groups are (`/bigcommerce-token-rotator/<stack>/<kind>`): named, so the key can
 * let CloudWatch Logs use it for these log groups only.
 */
export function logGroupPrefix(stackName: string): string {
  return `/${PRODUCT_NAME}/${stackName}/`;
}

/** EventBridge Scheduler's longest schedule name. */
const MAX_SCHEDULE_NAME = 64;

/**
 * A function's schedule name, unique in the account and Region: `<stack>-<kind>-rotation`, or, for a stack
 * name too long for it, the name's start and a digest of the whole.
 */
export function rotationScheduleName(stackName: string, kind: RotatorKind): string {
  const name = `${stackName}-${kind}-rotation`;
  if (name.length <= MAX_SCHEDULE_NAME) return name;
  const suffix = `-${createHash('sha256').update(stackName).digest('hex').slice(0, 8)}-${kind}-rotation`;
  return `${stackName.slice(0, MAX_SCHEDULE_NAME - suffix.length)}${suffix}`;
}

/** A sweep, one store's work, or one step of Secrets Manager's rotation: minutes at most. */
const FUNCTION_TIMEOUT = Duration.minutes(5);

/**
 * Each function's memory (MB); Lambda sizes its Node heap from it (the young generation set by HEAP_WRAPPER_PATH
 * aside), and `npm run bench` (p5) measures a sweep in it.
 */
export const FUNCTION_MEMORY_MB = 256;

/** Namespace of the metrics the product derives from its logs: the same as the functions' own (EMF). */
export const METRIC_NAMESPACE = METRICS_NAMESPACE;

/**
 * One rotator: its function (arm64, current Node runtime, local esbuild bundle), log group (encrypted, masking
 * any token that reaches it), schedule with
 * retries and a dead-letter queue, and an IAM role that can touch only its own secrets, read only the
 * root-credential secrets tagged for its stack, and put events only on the product's bus.
 */
export class RotatorFunction extends Construct {
  readonly function: lambda.Function;
  /** The function's role: the one principal that writes its secrets' versions and announces on the bus. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedule: Schedule;
  readonly alarms: cloudwatch.Alarm[];
  /** Present when the function's tokens can be handed out (mayFanOut). */
  readonly workQueue: WorkQueue | undefined;

  constructor(scope: Construct, id: string, props: RotatorFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `${logGroupPrefix(stack.stackName)}${props.kind}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
      encryptionKey: props.secretsKey,
      dataProtectionPolicy: tokenDataProtectionPolicy(),
    });
    this.logGroup = logGroup;

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.kind} token rotator`,
    });
    this.role = role;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const managed = managedSecretStatements(this, {
      tag: props.secretsTag,
      secretNames: props.secretNames,
      key: props.secretsKey,
      listVersions: props.kind === 'b2b',
    });
    for (const statement of managed.statements) role.addToPolicy(statement);
    acknowledgeWildcardResources(
      role,
      managed.wildcardResources,
      "The managed-token secrets under the configured names' first path segment, only on the condition that they carry this function's tag (secretsmanager:ResourceTag), which only this stack puts on its managed-token secrets and their own policy lets only CloudFormation change: the policy stays one statement however many tokens there are.",
    );
    // A run reads every AWSCURRENT in bulk, 20 secrets a call. BatchGetSecretValue has no resource-level
    // permission: Secrets Manager authorises each secret in the batch against GetSecretValue, so this
    // statement lets the function read nothing the one above does not.
    const bulkReadResources = ['*'];
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'BulkReadOfManagedTokenSecrets',
        actions: ['secretsmanager:BatchGetSecretValue'],
        resources: bulkReadResources,
      }),
    );
    acknowledgeWildcardResources(
      role,
      bulkReadResources,
      'secretsmanager:BatchGetSecretValue has no resource-level permission; Secrets Manager authorises each secret of a batch against GetSecretValue, which this role has on its own secrets only.',
    );
    const root = rootCredentialsStatement(this, props.rootCredential);
    role.addToPolicy(root.statement);
    acknowledgeWildcardResources(
      role,
      root.wildcardResources,
      `Read-only (GetSecretValue) only on the condition that the secret carries the tag the operator puts on this stack's ${props.rootCredential} root-credential secrets (its key names the stack), and never a secret that carries the managed-token tag (a Null condition): one statement however many stores there are.`,
    );
    if (props.rootKeyArns.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'RootCredentialsKey',
          actions: ['kms:Decrypt'],
          resources: [...props.rootKeyArns],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    props.bus.grantPutEventsTo(role);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.function = new lambda.Function(this, 'Function', {
      code: functionCode(props.kind, props.config),
      handler: 'index.handler',
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: FUNCTION_TIMEOUT,
      role,
      logGroup,
      description: `Rotates BigCommerce ${props.kind} tokens into Secrets Manager`,
      environment: {
        EVENT_BUS_NAME: props.bus.eventBusName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        SECRETS_WRITES_PER_SECOND: String(props.writesPerSecond),
        // Names the stack in the tag a root-credential secret needs, and in the B2B tokens' ownership mark.
        ROTATOR_STACK_NAME: stack.stackName,
        // The bundle's source map is beside it; Node reads it only when told to.
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        AWS_LAMBDA_EXEC_WRAPPER: HEAP_WRAPPER_PATH,
      },
      // Asynchronous invocations (the schedule) that still fail after Lambda's retries land in the queue.
      retryAttempts: 2,
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    // The scheduler's own role, so its one finding can be acknowledged precisely.
    // Named, so the role's trust can name the schedule itself without a reference to it (which would be a cycle).
    const scheduleName = rotationScheduleName(stack.stackName, props.kind);
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule',
              resourceName: `default/${scheduleName}`,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
      description: `Lets EventBridge Scheduler invoke the ${props.kind} token rotator`,
    });
    this.schedule = new Schedule(this, 'Schedule', {
      scheduleName,
      description: `Rotate BigCommerce ${props.kind} tokens that are due`,
      schedule: ScheduleExpression.expression(props.schedule.expression, TimeZone.of(props.schedule.timeZone)),
      target: new LambdaInvoke(this.function, {
        role: schedulerRole,
        input: ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    this.workQueue = props.workQueue
      ? new WorkQueue(this, 'Work', {
          fn: this.function,
          deadLetterQueue: this.deadLetterQueue,
          functionTimeout: FUNCTION_TIMEOUT,
        })
      : undefined;
    this.alarms = this.createAlarms(props.kind, logGroup, props.alarmTopic);

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedule and the function.',
    });
    acknowledgeDesignChoices(this.function, [role, schedulerRole]);
    // The LambdaInvoke target grants lambda:InvokeFunction on the function's ARN and on this expression.
    acknowledgeWildcardResources(
      schedulerRole,
      [`${this.function.functionArn}:*`],
      'lambda:InvokeFunction on this one function; the :* suffix (added by the LambdaInvoke target) only covers its versions and aliases.',
    );
  }

  /**
   * Rotation failing is what an operator must hear about, before any token expires: a rotation that failed
   * (counted from the function's JSON logs), a failed invocation (a broken configuration, a crash), and a
   * message in the dead-letter queue (a scheduled run that never ran). And, independent of the logs, a token
   * that should have been renewed by now: the runs' own count of overdue tokens (EMF), one alarm per function
   * whatever the number of tokens.
   */
  private createAlarms(kind: RotatorKind, logGroup: logs.LogGroup, topic: sns.ITopic): cloudwatch.Alarm[] {
    const failures = new logs.MetricFilter(this, 'RotationFailures', {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', ROTATION_FAILED_MESSAGE),
      metricNamespace: METRIC_NAMESPACE,
      metricName: `${kind}-rotation-failures`,
      metricValue: '1',
      defaultValue: 0,
    });
    const period = Duration.minutes(5);
    const alarms = [
      this.alarm(
        'RotationFailedAlarm',
        `A BigCommerce ${kind} token rotation failed; the previous token is still current. Logs: message "rotation failed" (step, error, tokenId).`,
        failures.metric({ statistic: 'Sum', period }),
      ),
      this.alarm(
        'InvocationErrorsAlarm',
        `The ${kind} token rotator function failed an invocation (invalid configuration, invalid manual event, or a crash).`,
        this.function.metricErrors({ statistic: 'Sum', period }),
      ),
      this.alarm(
        'DeadLetterAlarm',
        `A scheduled ${kind} rotation could not be delivered or failed every retry, or one store's work from the work queue failed three times; its event or message is in the dead-letter queue.`,
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }),
      ),
      this.alarm(
        'RenewalOverdueAlarm',
        `A BigCommerce ${kind} token should have been renewed by now (${
          kind === 'b2b' ? 'it is older than 1.5 rotation periods' : 'less than half its renewBefore is left'
        }). Find it with npm run status or the dashboard's token table; the logs say why its rotations fail.`,
        this.renewalOverdue(period),
        // Runs report between schedule ticks, hours apart: the alarm keeps its state until the next run says
        // otherwise, rather than clearing in every quiet five minutes and firing again at the next run.
        { treatMissingData: cloudwatch.TreatMissingData.IGNORE },
      ),
      ...(this.workQueue ? [this.workBacklogAlarm(kind, this.workQueue, period)] : []),
    ];
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(topic));
    return alarms;
  }

  /**
   * Work a sweep handed out is rotated within seconds; a message waiting half an hour means the queue's
   * invocations fail or are throttled, and those stores' tokens are being renewed late.
   */
  private workBacklogAlarm(kind: RotatorKind, work: WorkQueue, period: Duration): cloudwatch.Alarm {
    return this.alarm(
      'WorkBacklogAlarm',
      `Work a ${kind} sweep handed out has waited 30 minutes or more in the work queue: its invocations fail or are throttled (see the function's logs and Throttles); those stores' tokens are renewed late.`,
      work.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period }),
      { threshold: 30 * 60 },
    );
  }

  /**
   * An alarm as every alarm of the function is made: it fires on the first period whose value reaches the
   * threshold (1 unless given), and a period without data is no trouble unless `treatMissingData` says otherwise.
   */
  private alarm(
    id: string,
    alarmDescription: string,
    metric: cloudwatch.IMetric,
    options: Partial<Pick<cloudwatch.AlarmProps, 'threshold' | 'treatMissingData'>> = {},
  ): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...options,
    });
  }

  /** A metric the function writes itself (EMF), per function: its `service` and `FunctionName` dimensions. */
  ownMetric(metricName: string, props: { statistic: string; period: Duration }): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { [DIMENSIONS.service]: SERVICE_NAME, [DIMENSIONS.functionName]: this.function.functionName },
      ...props,
    });
  }

  /** How many of this function's tokens a run found overdue for renewal (0 only from a run that saw them all). */
  renewalOverdue(period: Duration): cloudwatch.Metric {
    return this.ownMetric(RENEWAL_OVERDUE, { statistic: 'Maximum', period });
  }
}
