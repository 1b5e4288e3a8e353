import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  ACCOUNT_WRITES_PER_SECOND,
  WORK_QUEUE_CONCURRENCY,
  WRITES_PER_SECOND_PER_INVOCATION,
} from '../../infra/work-queue';
import { useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

const build = useAppBuilder();

describe("each function's work queue", () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(build(storefrontConfig(), 'work-queue').stack);
  });

  it('feeds the function one message at a time, at most WORK_QUEUE_CONCURRENCY invocations at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: WORK_QUEUE_CONCURRENCY },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Work.*Queue'), 'Arn'] },
    });
  });

  it("keeps the invocations together under Secrets Manager's 50 writes a second", () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const perInvocation = Number(fn.Properties.Environment.Variables.SECRETS_WRITES_PER_SECOND);
    expect(perInvocation).toBe(WRITES_PER_SECOND_PER_INVOCATION);
    expect(perInvocation * WORK_QUEUE_CONCURRENCY).toBeLessThanOrEqual(ACCOUNT_WRITES_PER_SECOND);
    expect(ACCOUNT_WRITES_PER_SECOND).toBeLessThan(50);
    expect(fn.Properties.Environment.Variables.WORK_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/Work.*Queue/) });
  });

  it('is encrypted, TLS-only, short-lived, and hands failing messages to the dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const work = Object.entries(queues).find(([id]) => /Work/.test(id));
    expect(work).toBeDefined();
    const props = (work as [string, { Properties: Record<string, any> }])[1].Properties;
    expect(props.SqsManagedSseEnabled).toBe(true);
    expect(props.VisibilityTimeout).toBe(6 * 300);
    expect(props.MessageRetentionPeriod).toBe(4 * 3600);
    expect(props.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] },
      maxReceiveCount: 3,
    });
  });

  it('lets only its own function send to it', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
    }[];
    const sendsToWork = policies.filter((p) =>
      p.Properties.PolicyDocument.Statement.some(
        (s) => JSON.stringify(s.Action).includes('sqs:SendMessage') && /Work.*Queue/.test(JSON.stringify(s.Resource)),
      ),
    );
    expect(sendsToWork.map((p) => p.Properties.Roles)).toEqual([
      [{ Ref: expect.stringMatching(/^StorefrontRotatorRole/) }],
    ]);
  });
});
