/** What one rotation works with: its token, its family, its ports and how the run was asked for. */

import type { ManagedToken } from '../config/types';
import type { Log } from '../observability/logger';
import type { Clock } from './clock';
import type { EventPublisher, Trigger } from './events';
import type { FamilyAdapter, FamilyContext } from './family';
import type { TargetResult } from './results';
import type { SecretStore } from './secret-store';
import type { StoreCredentials } from './store-credentials';

/** What a rotation is given to act with; the handler wires them (aws/ implements the AWS ones). */
export interface RotationPorts {
  clock: Clock;
  secrets: SecretStore;
  publisher: EventPublisher;
  credentials: StoreCredentials;
  log: Log;
}

export interface RotationOptions {
  force: boolean;
  dryRun: boolean;
  trigger: Trigger;
  /** When the invocation started: a forced run is satisfied by a token minted since. */
  startedAt?: Date;
  /** Aborted when the invocation is cut off: no further step starts. */
  signal?: AbortSignal;
}

/**
 * One rotation of one managed token: the token, its family's adapter, the ports and how the run was asked
 * for. Fixed for the rotation; what it reads and does travels beside it as values (see secret-state.ts).
 */
export interface Rotation {
  readonly target: ManagedToken;
  readonly family: FamilyAdapter;
  readonly ports: RotationPorts;
  readonly options: RotationOptions;
  /** What the family's calls get: the clock, the root credentials and the log. */
  readonly context: FamilyContext;
}

export function rotationOf<T extends ManagedToken>(
  target: T,
  family: FamilyAdapter<T>,
  ports: RotationPorts,
  options: RotationOptions,
): Rotation {
  const context = { clock: ports.clock, credentials: ports.credentials, log: ports.log };
  return { target, family, ports, options, context };
}

/** The ids every result and log line about the token carries. */
export function tokenIds(target: ManagedToken): Pick<TargetResult, 'tokenId' | 'family' | 'storeHash' | 'secretName'> {
  return { tokenId: target.id, family: target.family, storeHash: target.storeHash, secretName: target.secretName };
}
