import { STAGES } from '../../functions/rotation/secret-store';

/**
 * Whether a version other than AWSCURRENT holds AWSPENDING: unfinished work. A promotion leaves AWSPENDING on
 * the new current version (Secrets Manager's own rotation tolerates that too), so that alone is not.
 */
export function pendingOutsideCurrent(versions: Iterable<string[]>): boolean {
  return [...versions].some((stages) => stages.includes(STAGES.pending) && !stages.includes(STAGES.current));
}
