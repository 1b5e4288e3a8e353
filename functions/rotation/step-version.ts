/**
 * What a step of Secrets Manager's rotation may act on: the version it names, judged before anything moves, and
 * the refusal it answers otherwise.
 */

import type { Rotation } from './context';
import { namedVersion, notStagedBecause } from './decisions';
import { type SecretState, type Staged, versionState } from './secret-state';
import type { StoredToken } from './stored-token';
import { step } from './steps';

/** Secrets Manager's four rotation steps, as its rotation function receives them. */
export const PROTOCOL_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type ProtocolStep = (typeof PROTOCOL_STEPS)[number];

/** A step of Secrets Manager's rotation that cannot be done; Secrets Manager records it and may retry. */
export class ProtocolStepError extends Error {
  override readonly name = 'ProtocolStepError';
}

/** A step refused before it changed anything; Secrets Manager records the reason. */
export function refusal(rotation: Rotation, request: ProtocolStep, why: string): ProtocolStepError {
  return new ProtocolStepError(`${rotation.target.id}: ${request} refused: ${why}; nothing was changed`);
}

/** What testSecret and finishSecret find under the version Secrets Manager named (see stepVersion). */
export type StepVersion =
  | { kind: 'current' }
  | { kind: 'not-created' }
  | { kind: 'copy' }
  | { kind: 'staged'; staged: Staged };

/**
 * The version testSecret and finishSecret may act on, as AWS's own rotation functions decide (namedVersion):
 * a token this product staged for this rotation. Anything else is refused before a label moves or BigCommerce
 * is called: promoting an older version would bring back a token the cleanup revoked, and the cleanup would
 * then revoke the working one. A version that copies AWSCURRENT is Secrets Manager's test of the rotation
 * configuration (a schedule created with RotateImmediately false: "the test creates an AWSPENDING version of
 * the secret and then removes it"), the stack's placeholder included.
 */
export async function stepVersion(
  rotation: Rotation,
  secret: SecretState,
  request: ProtocolStep,
  versionId: string,
): Promise<StepVersion> {
  const { target, ports } = rotation;
  const named = namedVersion(rotation, secret, versionId, ports.clock.now());
  if (named.kind === 'refused') throw refusal(rotation, request, named.why);
  if (named.kind !== 'read') return named;
  const read = (id: string) => step(rotation, 'read', () => ports.secrets.readVersion(target.secretName, id));
  const text = await read(versionId);
  if (text === undefined) {
    throw refusal(rotation, request, `version ${versionId} holds no value: createSecret has not staged a token in it`);
  }
  if (text === (await read(secret.current.versionId))) return { kind: 'copy' };
  const { stored } = versionState(target, versionId, text, undefined);
  const problem = notStagedBecause(secret, versionId, stored, target.id);
  if (problem !== undefined) throw refusal(rotation, request, `version ${versionId} ${problem}`);
  return { kind: 'staged', staged: { versionId, stored: stored as StoredToken, revoked: false } };
}
