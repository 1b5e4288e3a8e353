import type { ManagedToken, TokenFamily } from '../config/types';
import { describeError } from '../observability/redaction';
import type { RotationPolicy } from './due';
import type { FamilyAdapter } from './family';
import type { Outcome, TargetResult } from './results';
import type { CurrentVersion } from './secret-store';
import { planFanOut, type WorkQueue } from './fan-out';
import { type RotationOptions, type RotationPorts, rotateToken, settledByBulkRead } from './rotate-token';

export interface RunReport {
  trigger: RotationOptions['trigger'];
  force: boolean;
  dryRun: boolean;
  results: TargetResult[];
  summary: Record<Outcome, number> & { notReached: number; interrupted: number; dispatched: number };
  /** Tokens not started because the deadline was near; the next run picks them up. */
  notReached: string[];
  /** Tokens started but cut off by the deadline; the next run finishes or redoes their work. */
  interrupted: string[];
  /**
   * Tokens handed to the work queue, one message per store: parallel invocations of this function rotate
   * them, each with its own results, events, logs and metrics.
   */
  dispatched: string[];
}

export interface RunSettings {
  /** Tokens rotated at the same time. */
  concurrency: number;
  /** True when no new token should be started (the Lambda deadline is near). */
  shouldStop: () => boolean;
  /** Told of each token's result as soon as it is known, so a run cut off still reports what it finished. */
  onResult?: (finished: FinishedToken) => void;
  /** Where a large run hands its work out (see fan-out.ts); without it, the run does all its work itself. */
  workQueue?: WorkQueue;
}

/** One token's result with the rule it was judged by (its renewal window or rotation period). */
export interface FinishedToken {
  target: ManagedToken;
  policy: RotationPolicy;
  result: TargetResult;
}

/** What a run has done so far: enough to report on it even if it is cut off. */
export interface RunProgress {
  targets: ManagedToken[];
  options: RotationOptions;
  started: Set<string>;
  results: TargetResult[];
  dispatched: Set<string>;
}

export function newRunProgress(targets: ManagedToken[], options: RotationOptions): RunProgress {
  return { targets, options, started: new Set(), results: [], dispatched: new Set() };
}

/** Rotates each target with its family's adapter, a few at a time, recording progress as it goes. */
export async function runRotations(
  progress: RunProgress,
  families: ReadonlyMap<TokenFamily, FamilyAdapter>,
  ports: RotationPorts,
  settings: RunSettings,
): Promise<RunReport> {
  const { options } = progress;
  const preread = await readCurrentOfAll(progress.targets, ports);
  await handOut(progress, families, ports, settings, preread);
  const targets = progress.targets.filter((t) => !progress.dispatched.has(t.id));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length && !settings.shouldStop()) {
      const target = targets[next++] as ManagedToken;
      const family = families.get(target.family);
      if (!family) throw new Error(`no adapter for family ${target.family}`);
      progress.started.add(target.id);
      const result = await rotateToken(target, family, ports, options, preread.get(target.secretName));
      progress.results.push(result);
      try {
        settings.onResult?.({ target, policy: family.policy(target), result });
      } catch (error) {
        // Observing a result must never cost the rotation its report.
        ports.log.warn('could not observe a token result', { tokenId: target.id, error: describeError(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, targets.length)) }, worker));
  return reportOf(progress);
}

/**
 * Hands the tokens that need work to the work queue, one message per store, when there are enough of them
 * (planFanOut); the tokens the bulk read settles stay here, where they cost no call. A store the queue does
 * not take is rotated here instead: nothing is dropped. Never for a dry run, whose answer must be complete.
 */
async function handOut(
  progress: RunProgress,
  families: ReadonlyMap<TokenFamily, FamilyAdapter>,
  ports: RotationPorts,
  settings: RunSettings,
  preread: Map<string, CurrentVersion>,
): Promise<void> {
  const { options } = progress;
  if (!settings.workQueue || options.dryRun || options.trigger === 'secrets-manager') return;
  const work = progress.targets.filter((t) => {
    const family = families.get(t.family);
    return !family || !settledByBulkRead(t, family, ports, options, preread.get(t.secretName));
  });
  const startedAt = (options.startedAt ?? ports.clock.now()).toISOString();
  const plan = planFanOut(work, { trigger: options.trigger, force: options.force, startedAt });
  if (!plan) return;
  const { unsent, error } = await settings.workQueue.send(plan);
  if (unsent.length > 0) {
    ports.log.warn('the work queue did not take every store; this run rotates those itself', {
      stores: unsent.map((w) => w.storeHash),
      error: describeError(error),
    });
  }
  for (const work of plan) if (!unsent.includes(work)) for (const id of work.tokenIds) progress.dispatched.add(id);
}

/** The report of a run as far as it got: finished tokens in configuration order, the rest named. */
export function reportOf(progress: RunProgress): RunReport {
  const { targets, options } = progress;
  const byId = new Map(progress.results.map((r) => [r.tokenId, r]));
  const results = targets.flatMap((t) => byId.get(t.id) ?? []);
  const interrupted = targets.filter((t) => progress.started.has(t.id) && !byId.has(t.id)).map((t) => t.id);
  const notReached = targets
    .filter((t) => !progress.started.has(t.id) && !progress.dispatched.has(t.id))
    .map((t) => t.id);
  const dispatched = targets.filter((t) => progress.dispatched.has(t.id)).map((t) => t.id);
  const summary = {
    rotated: 0,
    skipped: 0,
    failed: 0,
    revoked: 0,
    planned: 0,
    notReached: notReached.length,
    interrupted: interrupted.length,
    dispatched: dispatched.length,
  };
  for (const r of results) summary[r.outcome] += 1;
  return {
    trigger: options.trigger,
    force: options.force,
    dryRun: options.dryRun,
    results,
    summary,
    notReached,
    interrupted,
    dispatched,
  };
}

/**
 * AWSCURRENT of every target in bulk (20 secrets a call): a token with nothing to do then costs no call of
 * its own. Should the bulk read fail, each rotation reads its own secret as usual.
 */
async function readCurrentOfAll(targets: ManagedToken[], ports: RotationPorts): Promise<Map<string, CurrentVersion>> {
  try {
    return await ports.secrets.readCurrentMany(targets.map((t) => t.secretName));
  } catch (error) {
    ports.log.warn('could not read the secrets in bulk; each token reads its own', { error: describeError(error) });
    return new Map();
  }
}
