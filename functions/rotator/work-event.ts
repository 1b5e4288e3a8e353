import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../config/types';
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

/**
 * Reads the one message a work-queue invocation carries (the event source mapping's batch size is 1): a
 * store's tokens a sweep handed out. Ids no longer in this function's configuration are set aside, not
 * refused: a deploy between the sweep and the message is normal, and the next sweep sees the new list.
 */
export function parseWorkEvent(event: { Records: unknown[] }, kind: RotatorKind, tokens: ManagedToken[]): WorkRequest {
  if (event.Records.length !== 1) {
    throw new InvalidEventError(
      `Invalid work-queue event: ${event.Records.length} messages; the event source mapping delivers one at a time (batch size 1)`,
    );
  }
  const body = (event.Records[0] as { body?: unknown }).body;
  let json: unknown;
  try {
    json = typeof body === 'string' ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  const parsed = workMessage().safeParse(json);
  if (!parsed.success) {
    throw new InvalidEventError(`Invalid work-queue message: ${describeIssues(parsed.error.issues, 'body')}`);
  }
  const { tokenIds, trigger, force, startedAt } = parsed.data;
  const mine = tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind && tokenIds.includes(t.id));
  return {
    trigger,
    force,
    dryRun: false,
    startedAt: new Date(startedAt),
    targets: mine,
    unknown: tokenIds.filter((id) => !mine.some((t) => t.id === id)),
  };
}
