import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../functions/config/schema';
import { FAMILY_ROTATOR } from '../../functions/config/types';
import { FAN_OUT_MIN_TOKENS, WORK_RETENTION_SECONDS } from '../../functions/rotation/fan-out';
import { ACCOUNT_WRITES_PER_SECOND, WORK_QUEUE_CONCURRENCY } from '../../infra/work-queue';
import { fleetConfig, useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

type Fn = { Properties: { Role: unknown; Environment: { Variables: Record<string, unknown> } } };
type Statement = {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: unknown;
  Resource: unknown;
  Condition?: unknown;
};

/**
 * Ten stores with two storefront-family tokens, one stored-instruments and one B2B token each: the storefront
 * function has enough tokens across stores to hand work out, the other two never do.
 */
describe('work queues', () => {
  const config = fleetConfig(10);
  let template: Template;
  let functions: [string, Fn][];
  beforeAll(() => {
    template = Template.fromStack(build(config, 'work-queue').stack);
    functions = Object.entries(template.findResources('AWS::Lambda::Function')) as [string, Fn][];
  });

  const storefront = (): Fn =>
    (functions.find(([id]) => id.startsWith('StorefrontRotatorFunction')) as [string, Fn])[1];
  const workQueueId = (): string =>
    Object.keys(template.findResources('AWS::SQS::Queue')).find((id) =>
      id.startsWith('StorefrontRotatorWork'),
    ) as string;

  it('exist only for a function whose tokens can be handed out', () => {
    const tokens = parseConfig(config).tokens;
    const perFunction = (kind: string) => tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind).length;
    expect(perFunction('storefront')).toBeGreaterThanOrEqual(FAN_OUT_MIN_TOKENS);
    expect(perFunction('payments')).toBeLessThan(FAN_OUT_MIN_TOKENS);
    expect(perFunction('b2b')).toBeLessThan(FAN_OUT_MIN_TOKENS);
    const withQueue = functions.filter(([, fn]) => fn.Properties.Environment.Variables.WORK_QUEUE_URL !== undefined);
    expect(withQueue.map(([id]) => id)).toEqual([expect.stringMatching(/^StorefrontRotator/)]);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  it('feed the function one message at a time, at most WORK_QUEUE_CONCURRENCY invocations at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: WORK_QUEUE_CONCURRENCY },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorefrontRotatorWork'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^StorefrontRotatorFunction') },
    });
  });

  it("keep every function's invocations together under Secrets Manager's 50 writes a second", () => {
    let total = 0;
    for (const [, fn] of functions) {
      const rate = Number(fn.Properties.Environment.Variables.SECRETS_WRITES_PER_SECOND);
      expect(rate).toBeGreaterThan(0);
      const concurrent = fn.Properties.Environment.Variables.WORK_QUEUE_URL ? WORK_QUEUE_CONCURRENCY : 1;
      total += rate * concurrent;
    }
    expect(functions).toHaveLength(3);
    expect(total).toBeLessThanOrEqual(ACCOUNT_WRITES_PER_SECOND);
    expect(total).toBeGreaterThan(ACCOUNT_WRITES_PER_SECOND - 0.1);
    expect(ACCOUNT_WRITES_PER_SECOND).toBeLessThan(50);
  });

  it('are encrypted, TLS-only, short-lived, and hand failing messages to the dead-letter queue', () => {
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    const work = queues.filter(([id]) => id.startsWith('StorefrontRotatorWork'));
    expect(work).toHaveLength(1);
    const props = (work[0] as [string, { Properties: Record<string, any> }])[1].Properties;
    expect(props.SqsManagedSseEnabled).toBe(true);
    expect(props.VisibilityTimeout).toBe(6 * 300);
    expect(props.MessageRetentionPeriod).toBe(WORK_RETENTION_SECONDS);
    expect(props.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^StorefrontRotatorDeadLetterQueue/), 'Arn'] },
      maxReceiveCount: 3,
    });
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as { Properties: unknown }[];
    const tlsOnly = policies.some(
      (p) =>
        JSON.stringify(p.Properties).includes('StorefrontRotatorWork') &&
        JSON.stringify(p.Properties).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnly).toBe(true);
  });

  it('alarm, through the topic, when work has waited half an hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorefrontRotatorWork'), 'QueueName'] } },
      ],
      Threshold: 1800,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  it('show their backlog on the dashboard', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard);
    expect(body).toContain('Work queue: storefront rotator');
    expect(body).toContain('ApproximateAgeOfOldestMessage');
    expect(body).not.toContain('Work queue: payments rotator');
  });

  it('name themselves to their function: the URL to send to, the ARN of the one event source it obeys', () => {
    const variables = storefront().Properties.Environment.Variables;
    expect(variables.WORK_QUEUE_URL).toEqual({ Ref: workQueueId() });
    expect(variables.WORK_QUEUE_ARN).toEqual({ 'Fn::GetAtt': [workQueueId(), 'Arn'] });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: variables.WORK_QUEUE_ARN });
  });

  it("deny sending to every principal but their function's role, and deny nothing else but plain HTTP", () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as {
      Properties: { Queues: unknown[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    const work = policies.filter(
      (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: workQueueId() }]),
    );
    expect(work).toHaveLength(1);
    const statements = (work[0] as (typeof work)[number]).Properties.PolicyDocument.Statement;
    expect(statements.filter((s) => s.Effect !== 'Deny')).toEqual([]);
    const queueArn = { 'Fn::GetAtt': [workQueueId(), 'Arn'] };
    expect(statements).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: queueArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'OnlyTheFunctionSends',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        // SendMessageBatch is authorised as sqs:SendMessage; receiving, deleting and managing stay as IAM allows.
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        // The very role the function runs with (and the event source mapping receives with).
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': storefront().Properties.Role } },
      },
    ]);
    expect(storefront().Properties.Role).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^StorefrontRotatorRole/), 'Arn'],
    });
  });

  it('grant sending to their own function alone', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
    }[];
    const sendsToWork = policies.filter((p) =>
      p.Properties.PolicyDocument.Statement.some(
        (s) =>
          JSON.stringify(s.Action).includes('sqs:SendMessage') &&
          JSON.stringify(s.Resource).includes('StorefrontRotatorWork'),
      ),
    );
    expect(sendsToWork.map((p) => p.Properties.Roles)).toEqual([
      [{ Ref: expect.stringMatching(/^StorefrontRotatorRole/) }],
    ]);
  });
});

describe('a small configuration', () => {
  it('has no work queue: one store and a few tokens are rotated by the sweep alone, as cheaply as ever', () => {
    const template = Template.fromStack(build(storefrontConfig(), 'no-work-queue').stack);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as Fn;
    expect(fn.Properties.Environment.Variables.WORK_QUEUE_URL).toBeUndefined();
    expect(fn.Properties.Environment.Variables.WORK_QUEUE_ARN).toBeUndefined();
    expect(Number(fn.Properties.Environment.Variables.SECRETS_WRITES_PER_SECOND)).toBe(ACCOUNT_WRITES_PER_SECOND);
  });
});
