/**
 * The rotation core as its callers see it: one token's rotation (docs/design.md "How a rotation works"
 * numbers its steps, 1 read to 9 announce), whether the bulk read alone settles a token, and one step of Secrets
 * Manager's rotation protocol. Inside, one rotation's state is a value handed from step to step:
 * decisions.ts decides, read-secret.ts and steps.ts read and write, cleanup.ts and outcome.ts end it, and
 * scheduled.ts and protocol.ts are the two flows through them.
 */

import type { ManagedToken } from '../config/types';
import { type RotationOptions, type RotationPorts, rotationOf } from './context';
import { settled } from './decisions';
import type { FamilyAdapter } from './family';
import { type ProtocolOutcome, type ProtocolStep, protocolStep } from './protocol';
import { bulkReadState } from './read-secret';
import type { TargetResult } from './results';
import { scheduledRotation } from './scheduled';
import type { CurrentVersion } from './secret-store';

export type { RotationOptions, RotationPorts } from './context';
export { PROTOCOL_STEPS, type ProtocolOutcome, type ProtocolStep, ProtocolStepError } from './protocol';

/**
 * One rotation of one managed token, scheduled or manual: `preread` is AWSCURRENT as the run's bulk read
 * saw it, when there was one. A failure at any step leaves AWSCURRENT as it was.
 */
export function rotateToken<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  preread?: CurrentVersion,
): Promise<TargetResult> {
  return scheduledRotation(rotationOf(target, family, ports, options), preread);
}

/**
 * Whether the bulk read alone settles `target`: it is paused, or its current version shows a finished
 * rotation (AWSCURRENT with AWSPENDING and the claim), no cleanup is wanted, and it is not due. Its run would
 * make no call; a sweep hands everything else to the work queue.
 */
export function settledByBulkRead<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
  preread: CurrentVersion | undefined,
): boolean {
  return settled(rotationOf(target, family, ports, options), bulkReadState(target, preread), ports.clock.now());
}

/**
 * One step of Secrets Manager's rotation protocol (RotateSecret, the console's "Rotate secret immediately",
 * `aws secretsmanager rotate-secret`) for one managed token. `versionId` is the ClientRequestToken: the id
 * of the new version, so each step is idempotent and Secrets Manager may re-drive the sequence. The same
 * steps make up the scheduled and manual runs.
 */
export function runProtocolStep<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  step: ProtocolStep,
  versionId: string,
): Promise<ProtocolOutcome> {
  const options: RotationOptions = { force: true, dryRun: false, trigger: 'secrets-manager' };
  return protocolStep(rotationOf(target, family, ports, options), step, versionId);
}
