import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import { formatPath } from '../config/errors';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../config/types';

/** An invocation event that cannot be acted on. Thrown before anything is read or written. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}

/** A schema's problems in one line, `path: message; ...`, with `whole` naming the value itself. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], whole: string) {
  return issues.map((i) => `${formatPath(i.path) || whole}: ${i.message}`).join('; ');
}

export interface RotationRequest {
  trigger: 'schedule' | 'manual';
  force: boolean;
  dryRun: boolean;
  /** The managed tokens to consider, in configuration order. */
  targets: ManagedToken[];
}

const manualEvent = lazySchema(() =>
  z.strictObject({
    trigger: z.optional(z.enum(['schedule', 'manual'])),
    targets: z.optional(
      z
        .array(z.string().check(z.minLength(1, 'token ids are non-empty strings')), {
          error: 'targets must be an array of token ids',
        })
        .check(z.minLength(1, 'targets, when given, must name at least one token')),
    ),
    force: z.optional(z.boolean({ error: 'force must be true or false' })),
    dryRun: z.optional(z.boolean({ error: 'dryRun must be true or false' })),
  }),
);

/**
 * Reads a scheduled or manual invocation: `{ "targets"?: [tokenId...], "force"?: boolean, "dryRun"?: boolean }`.
 * An EventBridge "Scheduled Event" envelope counts as a scheduled run. Every problem is named in one
 * InvalidEventError.
 */
export function parseRotationEvent(event: unknown, kind: RotatorKind, tokens: ManagedToken[]): RotationRequest {
  if (event === undefined || event === null) event = {};
  if (isScheduledEnvelope(event))
    return { trigger: 'schedule', force: false, dryRun: false, targets: tokensOf(kind, tokens) };
  const parsed = manualEvent().safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown field(s) ${i.keys.join(', ')}; allowed: targets, force, dryRun`
        : `${formatPath(i.path) ? `${formatPath(i.path)}: ` : ''}${i.message}`,
    );
    throw new InvalidEventError(`Invalid invocation event: ${problems.join('; ')}`);
  }
  const { targets: ids, force = false, dryRun = false, trigger = 'manual' } = parsed.data;
  const mine = tokensOf(kind, tokens);
  if (!ids) return { trigger, force, dryRun, targets: mine };

  const problems: string[] = [];
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) problems.push(`target(s) listed twice: ${[...new Set(duplicates)].join(', ')}`);
  for (const id of new Set(ids)) {
    const token = tokens.find((t) => t.id === id);
    if (!token) problems.push(`unknown token id "${id}" (known: ${mine.map((t) => t.id).join(', ') || 'none'})`);
    else if (FAMILY_ROTATOR[token.family] !== kind)
      problems.push(
        `token "${id}" (${token.family}) is rotated by the ${FAMILY_ROTATOR[token.family]} function, not this one`,
      );
  }
  if (problems.length > 0) throw new InvalidEventError(`Invalid invocation event: ${problems.join('; ')}`);
  return { trigger, force, dryRun, targets: mine.filter((t) => ids.includes(t.id)) };
}

function tokensOf(kind: RotatorKind, tokens: ManagedToken[]): ManagedToken[] {
  return tokens.filter((t) => FAMILY_ROTATOR[t.family] === kind);
}

function isScheduledEnvelope(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Record<string, unknown>;
  return e['detail-type'] === 'Scheduled Event' && (e.source === 'aws.events' || e.source === 'aws.scheduler');
}
