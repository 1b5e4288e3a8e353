import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../config/types';
import { WORK_RETENTION_SECONDS } from '../rotation/fan-out';
import { InvalidEventError, type RotationRequest, describeIssues } from './event';

const workMessage = lazySchema(() =>
  z.strictObject({
    storeHash: z.string().check(z.minLength(1)),
    tokenIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    trigger: z.enum(['schedule', 'manual']),
    force: z.boolean(),
    startedAt: z.iso.datetime(),
  }),
);

/**
 * How far ahead of this function's clock a message's start may be. The sweep that sent it ran on another
 * Lambda host; Lambda's hosts keep time with the Amazon Time Sync Service, far closer than this. A start
 * ahead of the clock keeps a forced run forcing ("a token minted since the run started" is then none) until
 * the clock passes it, so the margin is also the most a replayed message could re-force: a few seconds.
 */
export const WORK_CLOCK_SKEW_MS = 5_000;

/** Whether the event is the work queue's event source mapping delivering messages. */
export function isWorkEvent(event: unknown): event is { Records: unknown[] } {
  if (typeof event !== 'object' || event === null || !('Records' in event)) return false;
  const records = (event as { Records: unknown }).Records;
  return Array.isArray(records) && records.some((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}

export interface WorkRequest extends RotationRequest {
  startedAt: Date;
  /** Ids the message named that this function no longer manages (the configuration changed since it was sent). */
  unknown: string[];
}

/** What a work message is checked against: the function's own queue, and its clock. */
export interface WorkContext {
  /** The ARN of this function's work queue (WORK_QUEUE_ARN); undefined when it has none. */
  queueArn: string | undefined;
  now: Date;
}

/**
 * Reads the one message a work-queue invocation carries (the event source mapping's batch size is 1): a
 * store's tokens a sweep handed out. Only this function's role may send to its queue (the queue's policy),
 * and the message must come from that queue; what it asks is still bounded: its tokens are this function's
 * and its store's, and its start lies within the queue's retention and not ahead of the clock, so replaying
 * a forced message mints nothing once a token has been minted since that start. Ids no longer in this
 * function's configuration are set aside, not refused: a deploy between the sweep and the message is
 * normal, and the next sweep sees the new list. Anything else is refused before anything is read or written.
 */
export function parseWorkEvent(
  event: { Records: unknown[] },
  kind: RotatorKind,
  tokens: ManagedToken[],
  context: WorkContext,
): WorkRequest {
  if (event.Records.length !== 1) {
    throw refused(`${event.Records.length} messages; the event source mapping delivers one at a time (batch size 1)`);
  }
  const record = event.Records[0] as { body?: unknown; eventSourceARN?: unknown };
  if (context.queueArn === undefined) {
    throw refused('this function has no work queue (WORK_QUEUE_ARN is not set), so no message is for it');
  }
  if (record.eventSourceARN !== context.queueArn) {
    throw refused(`the message comes from ${describeSource(record.eventSourceARN)}, not this function's work queue`);
  }
  let json: unknown;
  try {
    json = typeof record.body === 'string' ? JSON.parse(record.body) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = workMessage().safeParse(json);
  if (!parsed.success) {
    throw new InvalidEventError(`Invalid work-queue message: ${describeIssues(parsed.error.issues, 'body')}`);
  }
  const { storeHash, tokenIds, trigger, force, startedAt } = parsed.data;
  const problems = [...startProblems(new Date(startedAt), context.now)];
  for (const id of new Set(tokenIds)) {
    const token = tokens.find((t) => t.id === id);
    if (!token) continue;
    if (FAMILY_ROTATOR[token.family] !== kind) {
      problems.push(`token "${id}" is rotated by the ${FAMILY_ROTATOR[token.family]} function, not this one`);
    } else if (token.storeHash !== storeHash) {
      problems.push(`token "${id}" belongs to store ${token.storeHash}, not to the message's store ${storeHash}`);
    }
  }
  if (problems.length > 0) throw refused(problems.join('; '));
  return {
    trigger,
    force,
    dryRun: false,
    startedAt: new Date(startedAt),
    targets: tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind && tokenIds.includes(t.id)),
    unknown: [...new Set(tokenIds)].filter((id) => !tokens.some((t) => t.id === id)),
  };
}

/** A sweep's start that no message of this function's queue can carry. */
function startProblems(startedAt: Date, now: Date): string[] {
  const ahead = startedAt.getTime() - now.getTime();
  if (ahead > WORK_CLOCK_SKEW_MS) {
    return [`startedAt ${startedAt.toISOString()} is ${Math.ceil(ahead / 1000)} s ahead of this function's clock`];
  }
  if (-ahead > WORK_RETENTION_SECONDS * 1000) {
    return [
      `startedAt ${startedAt.toISOString()} is older than the work queue keeps a message (${WORK_RETENTION_SECONDS / 3600} h)`,
    ];
  }
  return [];
}

/** An SQS queue's ARN (the queue name is 1 to 80 characters); anything else is not echoed. */
const QUEUE_ARN = /^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

function describeSource(arn: unknown): string {
  return typeof arn === 'string' && QUEUE_ARN.test(arn) ? arn : 'an event source that is not an SQS queue';
}

function refused(why: string): InvalidEventError {
  return new InvalidEventError(`Invalid work-queue event: ${why}; nothing was changed`);
}
