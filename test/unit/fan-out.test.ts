import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { parseConfig } from '../../functions/config/schema';
import { FAN_OUT_MIN_TOKENS, planFanOut } from '../../functions/rotation/fan-out';
import { RateLimiter } from '../../functions/aws/write-rate';
import { InvalidEventError } from '../../functions/rotator/event';
import { isWorkEvent, parseWorkEvent } from '../../functions/rotator/work-event';

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
  const record = (body: unknown) => ({
    eventSource: 'aws:sqs',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const message = { storeHash: 's1', tokenIds: ['t0', 't3'], ...sweep };

  it('are told from manual, scheduled and Secrets Manager events', () => {
    expect(isWorkEvent({ Records: [record(message)] })).toBe(true);
    expect(isWorkEvent({})).toBe(false);
    expect(isWorkEvent({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
    expect(isWorkEvent({ Step: 'createSecret', SecretId: 'x' })).toBe(false);
  });

  it('name the targets, force and the sweep’s start', () => {
    const request = parseWorkEvent({ Records: [record({ ...message, force: true })] }, 'storefront', config.tokens);
    expect(request.targets.map((t) => t.id)).toEqual(['t0', 't3']);
    expect(request).toMatchObject({ trigger: 'schedule', force: true, dryRun: false, unknown: [] });
    expect(request.startedAt.toISOString()).toBe(sweep.startedAt);
  });

  it('set aside ids this function does not manage (gone from the configuration, or another function’s)', () => {
    const request = parseWorkEvent(
      { Records: [record({ ...message, tokenIds: ['t0', 'gone', 'pay'] })] },
      'storefront',
      config.tokens,
    );
    expect(request.targets.map((t) => t.id)).toEqual(['t0']);
    expect(request.unknown).toEqual(['gone', 'pay']);
  });

  it.each([
    ['not JSON', 'nope{', /body/],
    ['no token ids', { ...message, tokenIds: [] }, /tokenIds/],
    ['an unknown field', { ...message, token: 'x' }, /Unrecognized key/],
    ['a bad start', { ...message, startedAt: 'yesterday' }, /startedAt/],
  ])('refuse a message with %s, naming the problem', (_, body, problem) => {
    expect(() => parseWorkEvent({ Records: [record(body)] }, 'storefront', config.tokens)).toThrow(InvalidEventError);
    expect(() => parseWorkEvent({ Records: [record(body)] }, 'storefront', config.tokens)).toThrow(problem);
  });

  it('refuse more than one message (the mapping delivers one at a time)', () => {
    expect(() => parseWorkEvent({ Records: [record(message), record(message)] }, 'storefront', config.tokens)).toThrow(
      /2 messages.*batch size 1/,
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
