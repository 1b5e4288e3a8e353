import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { parseConfig } from '../../functions/config/schema';
import { FAN_OUT_MIN_TOKENS, WORK_RETENTION_SECONDS, planFanOut } from '../../functions/rotation/fan-out';
import { RateLimiter } from '../../functions/aws/write-rate';
import { InvalidEventError } from '../../functions/rotator/event';
import { WORK_CLOCK_SKEW_MS, type WorkContext, isWorkEvent, parseWorkEvent } from '../../functions/rotator/work-event';

const config = parseConfig({
  stores: ['s1', 's2', 's3'].map((storeHash) => ({ storeHash, credentialsSecret: `bigcommerce/${storeHash}/api` })),
  tokens: [
    ...Array.from({ length: 21 }, (_, i) => ({
      id: `t${i}`,
      store: `s${(i % 3) + 1}`,
      ...PRIVATE_TOKEN,
    })),
    { id: 'pay', store: 's1', family: 'stored-instruments', lifetime: '1h', renewBefore: '10m' },
  ],
});
const storefront = config.tokens.filter((t) => t.family === 'storefront-private');
const sweep = { trigger: 'schedule' as const, force: false, startedAt: '2026-12-01T00:00:00.000Z' };

describe('planFanOut', () => {
  it('one message per store, each with all that store’s tokens and the sweep’s settings', () => {
    const plan = planFanOut(storefront, sweep);
    expect(plan?.map((w) => w.storeHash)).toEqual(['s1', 's2', 's3']);
    expect(plan?.flatMap((w) => w.tokenIds).sort()).toEqual(storefront.map((t) => t.id).sort());
    for (const work of plan ?? []) {
      expect(work).toMatchObject(sweep);
      const stores = work.tokenIds.map((id) => storefront.find((t) => t.id === id)?.storeHash);
      expect(new Set(stores)).toEqual(new Set([work.storeHash]));
    }
  });

  it('keeps small runs and single-store runs in the sweep', () => {
    expect(planFanOut(storefront.slice(0, FAN_OUT_MIN_TOKENS - 1), sweep)).toBeUndefined();
    expect(
      planFanOut(
        storefront.filter((t) => t.storeHash === 's1'),
        sweep,
        2,
      ),
    ).toBeUndefined();
    expect(planFanOut([], sweep)).toBeUndefined();
  });
});

describe('work-queue events', () => {
  const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:storefront-rotator-work';
  const MINUTE = 60_000;
  const startedAt = Date.parse(sweep.startedAt);
  /** The function's own queue, a minute after the sweep started. */
  const context = { queueArn: QUEUE, now: new Date(startedAt + MINUTE) };
  const record = (body: unknown, eventSourceARN: unknown = QUEUE) => ({
    eventSource: 'aws:sqs',
    eventSourceARN,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const message = { storeHash: 's1', tokenIds: ['t0', 't3'], ...sweep };
  const parse = (records: unknown[], at: WorkContext = context) =>
    parseWorkEvent({ Records: records }, 'storefront', config.tokens, at);

  it('are told from manual, scheduled and Secrets Manager events', () => {
    expect(isWorkEvent({ Records: [record(message)] })).toBe(true);
    expect(isWorkEvent({})).toBe(false);
    expect(isWorkEvent({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
    expect(isWorkEvent({ Step: 'createSecret', SecretId: 'x' })).toBe(false);
  });

  it('name the targets, force and the sweep’s start', () => {
    const request = parse([record({ ...message, force: true })]);
    expect(request.targets.map((t) => t.id)).toEqual(['t0', 't3']);
    expect(request).toMatchObject({ trigger: 'schedule', force: true, dryRun: false, unknown: [] });
    expect(request.startedAt.toISOString()).toBe(sweep.startedAt);
  });

  it('set aside ids gone from the configuration', () => {
    const request = parse([record({ ...message, tokenIds: ['t0', 'gone'] })]);
    expect(request.targets.map((t) => t.id)).toEqual(['t0']);
    expect(request.unknown).toEqual(['gone']);
  });

  it.each([
    ['not JSON', 'nope{', /body/],
    ['no token ids', { ...message, tokenIds: [] }, /tokenIds/],
    ['an unknown field', { ...message, token: 'x' }, /Unrecognized key/],
    ['a bad start', { ...message, startedAt: 'yesterday' }, /startedAt/],
    [
      'a token of another store',
      { ...message, tokenIds: ['t0', 't1'] },
      /token "t1" belongs to store s2, not to the message's store s1/,
    ],
    [
      'a token of another function',
      { ...message, tokenIds: ['t0', 'pay'] },
      /token "pay" is rotated by the payments function, not this one/,
    ],
  ])('refuse a message with %s, naming the problem', (_, body, problem) => {
    expect(() => parse([record(body)])).toThrow(InvalidEventError);
    expect(() => parse([record(body)])).toThrow(problem);
  });

  it('refuse more than one message (the mapping delivers one at a time)', () => {
    expect(() => parse([record(message), record(message)])).toThrow(/2 messages.*batch size 1/);
  });

  it('refuse a message from any queue but the function’s own, or when the function has none', () => {
    const elsewhere = 'arn:aws:sqs:us-east-1:210987654321:storefront-rotator-work';
    expect(() => parse([record(message, elsewhere)])).toThrow(
      `Invalid work-queue event: the message comes from ${elsewhere}, not this function's work queue; nothing was changed`,
    );
    expect(() => parse([record(message, null)])).toThrow(/comes from an event source that is not an SQS queue/);
    // A hostile source is not echoed.
    expect(() => parse([record(message, 'x'.repeat(500))])).toThrow(
      /comes from an event source that is not an SQS queue,/,
    );
    expect(() => parse([record(message)], { ...context, queueArn: undefined })).toThrow(/has no work queue/);
  });

  it(`take a start up to ${WORK_CLOCK_SKEW_MS / 1000} s ahead of the clock (another host's clock), and refuse one further ahead`, () => {
    const at = (now: number) => ({ ...context, now: new Date(now) });
    expect(parse([record(message)], at(startedAt - WORK_CLOCK_SKEW_MS)).startedAt.toISOString()).toBe(sweep.startedAt);
    expect(() => parse([record(message)], at(startedAt - WORK_CLOCK_SKEW_MS - 1_000))).toThrow(
      /startedAt 2026-12-01T00:00:00.000Z is 6 s ahead of this function's clock/,
    );
  });

  it('refuse a start older than the work queue keeps a message', () => {
    const at = (now: number) => ({ ...context, now: new Date(now) });
    expect(parse([record(message)], at(startedAt + WORK_RETENTION_SECONDS * 1000)).targets).toHaveLength(2);
    expect(() => parse([record(message)], at(startedAt + WORK_RETENTION_SECONDS * 1000 + 1))).toThrow(
      /older than the work queue keeps a message \(4 h\)/,
    );
  });
});

describe('RateLimiter', () => {
  it('spaces calls 1/rate apart, from the first call on', async () => {
    let now = 1_000;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      8,
      () => now,
      async (ms) => {
        waits.push(ms);
      },
    );
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    expect(waits).toEqual([125, 250]);
    now += 1_000;
    await limiter.acquire();
    expect(waits).toEqual([125, 250]);
  });

  it('refuses a rate that is not above zero', () => {
    expect(() => new RateLimiter(0)).toThrow(/above 0/);
  });
});
