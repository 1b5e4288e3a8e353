import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventBridgeClient } from '../support/aws-clients';
import { useSandbox } from '../support/sandbox';

const sandbox = useSandbox();
let eb: EventBridgeClient;
beforeAll(() => {
  eb = eventBridgeClient(sandbox());
  sandbox().aws.api.eventBridge.createEventBus('rotations');
});
beforeEach(() => sandbox().aws.api.eventBridge.clearEvents());

const entry = (detail: unknown = { tokenId: 't1' }) => ({
  Source: 'bigcommerce.token-rotator',
  DetailType: 'Token Rotated',
  Detail: JSON.stringify(detail),
  EventBusName: 'rotations',
});

describe('PutEvents', () => {
  it('records accepted events on their bus, by name or ARN', async () => {
    const arn = sandbox().aws.api.eventBridge.busArn('rotations');
    const out = await eb.send(
      new PutEventsCommand({ Entries: [entry({ n: 1 }), { ...entry({ n: 2 }), EventBusName: arn }] }),
    );
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    expect(
      sandbox()
        .aws.api.eventBridge.events('rotations')
        .map((e) => e.detail),
    ).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('fails individual entries: missing fields, malformed detail, unknown bus, reserved source', async () => {
    const out = await eb.send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'd' },
          { ...entry(), Detail: '[1,2]' },
          { ...entry(), Detail: '{nope' },
          { ...entry(), EventBusName: 'nonexistent' },
          { ...entry(), Source: 'aws.secretsmanager' },
          entry(),
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(5);
    expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ResourceNotFoundException',
      'NotAuthorizedForSourceException',
      undefined,
    ]);
    expect(sandbox().aws.api.eventBridge.events()).toHaveLength(1);
  });

  it('refuses more than 10 entries and more than 256 KB in one call', async () => {
    await expect(
      eb.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    const big = 'x'.repeat(130 * 1024);
    await expect(eb.send(new PutEventsCommand({ Entries: [entry({ big }), entry({ big })] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(sandbox().aws.api.eventBridge.events()).toHaveLength(0);
    const out = await eb.send(new PutEventsCommand({ Entries: [entry({ big })] }));
    expect(out.FailedEntryCount).toBe(0);
  });
});
