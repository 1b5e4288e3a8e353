import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { RecordedRequest } from '../../sandbox';
import { FAN_OUT_MIN_TOKENS, type StoreWork, WORK_RETENTION_SECONDS } from '../../functions/rotation/fan-out';
import { createRotatorHandler } from '../../functions/rotator/handler';
import { sqsRecord } from '../../sandbox/event-source-mapping';
import { localLambdaContext } from '../../sandbox/lambda-context';
import { privateFleetConfig, storeNames } from '../../sandbox/fleet-config';
import { sqsClient } from '../support/aws-clients';
import { capturedLogLines, useRotator, workQueueArn } from '../support/rotator';

/**
 * A sweep with enough work hands it to its function's work queue, one message per store, and the event
 * source mapping's invocations do it; everything else stays one invocation. Run on the sandbox and on moto;
 * an idle sweep's cost (nothing sent) is in call-budget.test.ts.
 */
const STORES = 10;
const PER_STORE = 3;
const TOKENS = STORES * PER_STORE;

function count(requests: RecordedRequest[], operation: string): number {
  return requests.filter((r) => r.operation === operation).length;
}

describe('a sweep with many tokens to rotate across stores', () => {
  const rotator = useRotator(privateFleetConfig(storeNames('fan', STORES), PER_STORE), {
    workQueue: { writesPerSecond: 40 },
  });

  it('hands the work out, one message per store, and the consumers rotate every token', async () => {
    expect(TOKENS).toBeGreaterThanOrEqual(FAN_OUT_MIN_TOKENS);
    const h = rotator();
    h.sandbox.aws.server.clearRequests();
    h.sandbox.bigcommerce.server.clearRequests();

    const sweep = await h.invoke({ trigger: 'schedule' });
    expect(sweep.summary.dispatched).toBe(TOKENS);
    expect(sweep.dispatched).toHaveLength(TOKENS);
    expect(sweep.results).toEqual([]);
    expect(sweep.notReached).toEqual([]);
    expect(h.sandbox.bigcommerce.server.requests()).toHaveLength(0);
    const sent = h.sandbox.aws.server.requests();
    expect(count(sent, 'SendMessageBatch')).toBe(Math.ceil(STORES / 10));
    const bodies = sent
      .filter((r) => r.operation === 'SendMessageBatch')
      .flatMap((r) => (r.body as { Entries: { MessageBody: string }[] }).Entries.map((e) => JSON.parse(e.MessageBody)));
    expect(bodies).toHaveLength(STORES);
    for (const body of bodies) {
      expect(body.tokenIds).toHaveLength(PER_STORE);
      expect(body.tokenIds.every((id: string) => id.startsWith(`${body.storeHash}-`))).toBe(true);
      expect(body).toMatchObject({ trigger: 'schedule', force: false });
    }

    const drained = await h.drain('storefront', 3);
    expect(drained).toMatchObject({ invocations: STORES, failures: 0 });
    expect(drained.maxInFlight).toBeLessThanOrEqual(3);
    for (const token of h.config.tokens) expect((await h.secret(token.id))?.token).toEqual(expect.any(String));
    const rotated = (await h.events()).filter((e) => e.detailType === 'Token Rotated');
    expect(rotated).toHaveLength(TOKENS);
    expect(new Set(rotated.map((e) => (e.detail as { tokenId: string }).tokenId)).size).toBe(TOKENS);
  });

  it('rotates a few due tokens itself, with no queue traffic', async () => {
    const h = rotator();
    const few = h.config.tokens.slice(0, 5).map((t) => t.id);
    h.sandbox.aws.server.clearRequests();
    const report = await h.invoke({ targets: few, force: true });
    expect(report.summary).toMatchObject({ rotated: 5, dispatched: 0 });
    expect(count(h.sandbox.aws.server.requests(), 'SendMessageBatch')).toBe(0);
  });

  it('never hands out a dry run', async () => {
    const h = rotator();
    h.sandbox.aws.server.clearRequests();
    const report = await h.invoke({ force: true, dryRun: true });
    expect(report.summary).toMatchObject({ planned: TOKENS, dispatched: 0 });
    expect(count(h.sandbox.aws.server.requests(), 'SendMessageBatch')).toBe(0);
  });

  it('a forced sweep hands out force and its start: each token is re-minted once', async () => {
    const h = rotator();
    const before = new Map<string, string>();
    for (const t of h.config.tokens) before.set(t.id, (await h.secret(t.id))?.mintedAt);
    const sweep = await h.invoke({ force: true });
    expect(sweep.summary.dispatched).toBe(TOKENS);
    await h.drain('storefront', 5);
    for (const t of h.config.tokens) {
      const now = await h.secret(t.id);
      expect(now?.mintedAt).not.toBe(before.get(t.id));
    }
  });

  it('rotates the stores the queue refused itself, and says so', async () => {
    const h = rotator();
    // The SDK makes three attempts; all three fail.
    h.sandbox.aws.server.injectFault({
      match: { operation: 'SendMessageBatch' },
      fault: { kind: 'status', status: 500 },
      times: 3,
    });
    const sweep = await h.invoke({ force: true });
    expect(sweep.summary).toMatchObject({ rotated: TOKENS, dispatched: 0, failed: 0 });
    expect(
      capturedLogLines().some(
        (l) => l.message === 'the work queue did not take every store; this run rotates those itself',
      ),
    ).toBe(true);
  });

  describe('a message is obeyed only as the sweep sent it', () => {
    /** A real message the sweep sent through the queue, as SQS delivered it; the rest of the queue drained. */
    let captured: Message;
    let work: StoreWork;
    beforeAll(async () => {
      const h = rotator();
      const sqs = sqsClient(h.sandbox);
      const sweep = await h.invoke({ force: true });
      expect(sweep.summary.dispatched).toBe(TOKENS);
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: h.workQueueUrl(),
          MaxNumberOfMessages: 1,
          VisibilityTimeout: 900,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      captured = out.Messages?.[0] as Message;
      await sqs.send(new DeleteMessageCommand({ QueueUrl: h.workQueueUrl(), ReceiptHandle: captured.ReceiptHandle }));
      work = JSON.parse(captured.Body as string);
      expect(work).toMatchObject({ force: true, tokenIds: expect.arrayContaining([`${work.storeHash}-t0`]) });
      expect(await h.drain('storefront', 5)).toMatchObject({ invocations: STORES - 1, failures: 0 });
    });

    /** Mint requests at the sandbox's BigCommerce for one store. */
    function mints(storeHash: string): number {
      return rotator().sandbox.bigcommerce.server.requests(
        (r) => r.method === 'POST' && r.path.includes(`/stores/${storeHash}/`) && r.path.includes('/api-token'),
      ).length;
    }

    /** Delivers `body` `times` times as the event source mapping would, five execution environments at once. */
    async function deliver(body: string, times: number, eventSourceARN = workQueueArn(rotator().sandbox)) {
      const consumers = Array.from({ length: 5 }, () => rotator().newInstance());
      const outcomes: PromiseSettledResult<unknown>[] = [];
      for (let i = 0; i < times; i += consumers.length) {
        const wave = consumers.slice(0, Math.min(consumers.length, times - i));
        outcomes.push(
          ...(await Promise.allSettled(
            wave.map((consume) => consume({ Records: [sqsRecord({ ...captured, Body: body }, eventSourceARN)] })),
          )),
        );
      }
      return outcomes;
    }

    it('100 replays of a captured forced message mint one token per token it names', async () => {
      const h = rotator();
      const before = mints(work.storeHash);
      const outcomes = await deliver(captured.Body as string, 100);
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      expect(mints(work.storeHash) - before).toBe(work.tokenIds.length);
      for (const id of work.tokenIds) {
        expect(Date.parse((await h.secret(id))?.mintedAt)).toBeGreaterThanOrEqual(Date.parse(work.startedAt));
      }
    });

    /** Each delivery is refused naming `problem`, and nothing is read, written or minted. */
    async function expectRefused(body: string, problem: RegExp, eventSourceARN?: string) {
      const h = rotator();
      const current = await Promise.all(work.tokenIds.map((id) => h.secret(id)));
      h.sandbox.aws.server.clearRequests();
      h.sandbox.bigcommerce.server.clearRequests();
      const outcomes = await deliver(body, 10, eventSourceARN);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect(String((outcome as PromiseRejectedResult).reason)).toMatch(problem);
      }
      expect(h.sandbox.aws.server.requests()).toEqual([]);
      expect(h.sandbox.bigcommerce.server.requests()).toEqual([]);
      expect(await Promise.all(work.tokenIds.map((id) => h.secret(id)))).toEqual(current);
    }

    it("its start moved ahead of the function's clock: refused, and its replays mint nothing", async () => {
      const ahead = new Date(rotator().sandbox.clock.nowMs() + 3_600_000).toISOString();
      await expectRefused(JSON.stringify({ ...work, startedAt: ahead }), /startedAt .* ahead of this function's clock/);
    });

    it('its start older than the queue keeps a message: refused', async () => {
      const old = new Date(rotator().sandbox.clock.nowMs() - (WORK_RETENTION_SECONDS + 60) * 1000).toISOString();
      await expectRefused(JSON.stringify({ ...work, startedAt: old }), /older than the work queue keeps a message/);
    });

    it('from another queue: refused', async () => {
      const elsewhere = workQueueArn(rotator().sandbox).replace('storefront-rotator-work', 'someone-elses-queue');
      await expectRefused(
        captured.Body as string,
        /comes from .*someone-elses-queue, not this function's work queue/,
        elsewhere,
      );
    });

    it('a function told its queue URL but not its ARN does not start: it could tell no message as its own', async () => {
      const env = { ...process.env, WORK_QUEUE_URL: rotator().workQueueUrl(), WORK_QUEUE_ARN: undefined };
      const handler = createRotatorHandler('storefront', { clock: rotator().sandbox.clock, env });
      await expect(handler({}, localLambdaContext('storefront-rotator'))).rejects.toThrow(
        "WORK_QUEUE_URL and WORK_QUEUE_ARN name the function's work queue together: set both or neither",
      );
    });

    it('naming a token of another store: refused', async () => {
      const other = rotator().config.tokens.find((t) => t.storeHash !== work.storeHash)!;
      await expectRefused(
        JSON.stringify({ ...work, tokenIds: [...work.tokenIds, other.id] }),
        new RegExp(
          `token "${other.id}" belongs to store ${other.storeHash}, not to the message's store ${work.storeHash}`,
        ),
      );
    });
  });
});

describe('a sweep whose fleet has paused tokens', () => {
  const fleet = privateFleetConfig(storeNames('held', STORES), PER_STORE);
  // Every token of the first two stores, and one more: paused before their first rotation.
  const paused = new Set([...fleet.tokens.slice(0, 2 * PER_STORE + 1).map((t) => t.id)]);
  const rotator = useRotator(
    { ...fleet, tokens: fleet.tokens.map((t) => (paused.has(t.id) ? { ...t, paused: true } : t)) },
    { workQueue: {} },
  );

  it('hands out only the others: the paused ones are skipped where they are, with no call of their own', async () => {
    const h = rotator();
    h.sandbox.aws.server.clearRequests();
    const sweep = await h.invoke({ trigger: 'schedule' });
    expect(sweep.summary).toMatchObject({ dispatched: TOKENS - paused.size, skipped: paused.size });
    expect(new Set(sweep.results.map((r) => r.tokenId))).toEqual(paused);
    for (const result of sweep.results) expect(result).toMatchObject({ outcome: 'skipped', reason: 'paused' });
    const sent = h.sandbox.aws.server
      .requests((r) => r.operation === 'SendMessageBatch')
      .flatMap((r) => (r.body as { Entries: { MessageBody: string }[] }).Entries.map((e) => JSON.parse(e.MessageBody)));
    expect(sent).toHaveLength(STORES - 2);
    expect(sent.flatMap((body) => body.tokenIds).filter((id: string) => paused.has(id))).toEqual([]);
    expect(await h.drain('storefront', 3)).toMatchObject({ invocations: STORES - 2, failures: 0 });
    for (const token of h.config.tokens) {
      const value = await h.secret(token.id);
      expect(value?.token ?? null).toEqual(paused.has(token.id) ? null : expect.any(String));
    }
  });
});
