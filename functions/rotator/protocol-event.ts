import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import { FAMILY_ROTATOR, type ManagedToken, type RotatorKind } from '../config/types';
import { PROTOCOL_STEPS, type ProtocolStep } from '../rotation/rotate-token';
import { InvalidEventError, describeIssues } from './event';

/** One step of Secrets Manager's rotation, addressed to a token this function manages. */
export interface ProtocolRequest {
  step: ProtocolStep;
  target: ManagedToken;
  /** The ClientRequestToken: the id of the version the rotation creates. */
  versionId: string;
}

const protocolEvent = lazySchema(() =>
  z.object({
    Step: z.enum(PROTOCOL_STEPS, { error: `Step must be one of ${PROTOCOL_STEPS.join(', ')}` }),
    SecretId: z.string().check(z.minLength(1, 'SecretId must name a secret')),
    // Secrets Manager's ClientRequestToken is 32 to 64 characters (PutSecretValue's constraint).
    ClientRequestToken: z.string().check(z.minLength(32), z.maxLength(64)),
    // Sent by Secrets Manager for rotations across accounts; nothing here uses it.
    RotationToken: z.optional(z.string()),
  }),
);

/** A secret's ARN ends with its name and six random characters Secrets Manager appends. */
const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/** Whether the event is Secrets Manager asking its rotation function for a step. */
export function isProtocolEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'Step' in event && 'SecretId' in event;
}

/**
 * Reads `{ Step, SecretId, ClientRequestToken }`. A secret this function does not manage is refused before
 * anything is read or written.
 */
export function parseProtocolEvent(event: unknown, kind: RotatorKind, tokens: ManagedToken[]): ProtocolRequest {
  const parsed = protocolEvent().safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(
      `Invalid Secrets Manager rotation event: ${describeIssues(parsed.error.issues, 'event')}`,
    );
  }
  const { Step, SecretId, ClientRequestToken } = parsed.data;
  const name = SECRET_ARN.exec(SecretId)?.[1] ?? SecretId;
  const target = tokens.find((t) => t.secretName === name && FAMILY_ROTATOR[t.family] === kind);
  if (!target) {
    throw new InvalidEventError(
      `Secrets Manager asked to rotate ${name}, which this function does not manage; nothing was changed`,
    );
  }
  return { step: Step, target, versionId: ClientRequestToken };
}
