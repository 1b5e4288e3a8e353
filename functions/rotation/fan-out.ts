import type { ManagedToken } from '../config/types';

/** One message on a function's work queue: one store's tokens that need work, rotated by one invocation. */
export interface StoreWork {
  storeHash: string;
  tokenIds: string[];
  /** The sweep's own settings, so the work is done as the sweep would have done it. */
  trigger: 'schedule' | 'manual';
  force: boolean;
  /** When the sweep started: a forced sweep is satisfied by a token minted since. */
  startedAt: string;
}

/** The work-queue port, where a sweep hands work to parallel invocations of its function (aws/work-queue.ts). */
export interface WorkQueue {
  /** Sends each piece of work as one message; returns those the queue did not take, and why. */
  send(work: StoreWork[]): Promise<{ unsent: StoreWork[]; error?: unknown }>;
}

/**
 * How long the work queue keeps a message (its MessageRetentionPeriod). The next sweep plans afresh, so work
 * older than this is stale, not lost; and no message the sweep sent can name a start further back than this.
 */
export const WORK_RETENTION_SECONDS = 4 * 3600;

/**
 * Fewer tokens needing work than this, a sweep rotates them itself: at four at a time they take seconds,
 * and the one-store, few-token case stays one invocation with no queue traffic.
 */
export const FAN_OUT_MIN_TOKENS = 20;

/**
 * How a sweep shares out the tokens that need work: undefined to rotate them itself, else one message per
 * store. A store's tokens stay together so that one invocation, four tokens at a time, is all that calls
 * that store's BigCommerce API: its quota (150 requests per 30 s, shared with the merchant's other apps)
 * never sees parallel invocations.
 */
export function planFanOut(
  work: ManagedToken[],
  sweep: Pick<StoreWork, 'trigger' | 'force' | 'startedAt'>,
  minTokens = FAN_OUT_MIN_TOKENS,
): StoreWork[] | undefined {
  if (!mayFanOut(work, minTokens)) return undefined;
  const byStore = new Map<string, string[]>();
  for (const token of work) byStore.set(token.storeHash, [...(byStore.get(token.storeHash) ?? []), token.id]);
  return [...byStore].map(([storeHash, tokenIds]) => ({ storeHash, tokenIds, ...sweep }));
}

/**
 * Whether `tokens` are enough, and across enough stores, to be handed out. Applied to all of a function's
 * tokens, it says whether that function can ever fan out: the stack gives a work queue only to those.
 */
export function mayFanOut(tokens: ManagedToken[], minTokens = FAN_OUT_MIN_TOKENS): boolean {
  return tokens.length >= minTokens && new Set(tokens.map((t) => t.storeHash)).size >= 2;
}
