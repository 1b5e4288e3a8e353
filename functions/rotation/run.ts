import type { ManagedToken, TokenFamily } from '../config/types';
import type { FamilyAdapter } from './family';
import type { Outcome, TargetResult } from './results';
import { type RotationOptions, type RotationPorts, rotateToken } from './rotate-token';

export interface RunReport {
  trigger: RotationOptions['trigger'];
  force: boolean;
  dryRun: boolean;
  results: TargetResult[];
  summary: Record<Outcome, number> & { notReached: number };
  /** Tokens not started because the deadline was near; the next run picks them up. */
  notReached: string[];
}

export interface RunSettings {
  /** Tokens rotated at the same time. */
  concurrency: number;
  /** True when no new token should be started (the Lambda deadline is near). */
  shouldStop: () => boolean;
}

/** Rotates each target with its family's adapter, a few at a time, and summarises the outcomes. */
export async function runRotations(targets: ManagedToken[], families: ReadonlyMap<TokenFamily, FamilyAdapter>, ports: RotationPorts, options: RotationOptions, settings: RunSettings): Promise<RunReport> {
  const results: (TargetResult | undefined)[] = new Array(targets.length);
  const notReached: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index] as ManagedToken;
      if (settings.shouldStop()) {
        notReached.push(target.id);
        continue;
      }
      const family = families.get(target.family);
      if (!family) throw new Error(`no adapter for family ${target.family}`);
      results[index] = await rotateToken(target, family, ports, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, targets.length)) }, worker));

  const done = results.filter((r): r is TargetResult => r !== undefined);
  const summary = { rotated: 0, skipped: 0, failed: 0, revoked: 0, planned: 0, notReached: notReached.length };
  for (const r of done) summary[r.outcome] += 1;
  return { trigger: options.trigger, force: options.force, dryRun: options.dryRun, results: done, summary, notReached };
}
