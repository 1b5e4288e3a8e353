/**
 * The secret value as a consumer needs it, checked by hand rather than with the rotator's zod schema
 * (functions/rotation/stored-token.ts): importing that one adds zod to a consumer's bundle.
 * Only what a consumer sends or decides on is checked; family details are left alone.
 */

/**
 * The staging labels a consumer reads: the current token, and the one it superseded.
 *
 * @example
 * ```ts
 * import { createTokenReader, type SecretStage } from './reader';
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 * const stage: SecretStage = 'AWSPREVIOUS';
 * const previous = await reader.getToken({ stage });
 * console.log(previous.versionId, previous.expiresAt);
 * ```
 */
export type SecretStage = 'AWSCURRENT' | 'AWSPREVIOUS';

/** The format version this reader understands; the rotator bumps it only for incompatible changes. */
export const SCHEMA_VERSION = 1;

export interface StoredValue {
  kind: 'token';
  token: string;
  tokenId: string;
  family: string;
  storeHash: string;
  header: string;
  valuePrefix: string;
  expiresAt: Date | null;
}

/** The placeholder the stack writes before the first rotation: `token: null`. */
export interface Placeholder {
  kind: 'placeholder';
}

/** Which rule a value broke, in fixed words: never any part of the value. */
export interface Unusable {
  kind: 'unusable';
  problem: string;
}

export function parseStoredValue(text: string): StoredValue | Placeholder | Unusable {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return unusable('the value is not JSON');
  }
  if (!isRecord(json)) return unusable('the value is not a JSON object');
  if (json.token === null) return { kind: 'placeholder' };
  if (json.schemaVersion !== SCHEMA_VERSION) return unusable(`schemaVersion is not ${SCHEMA_VERSION}`);
  if (typeof json.token !== 'string' || json.token.length === 0) return unusable('token is not a non-empty string');
  for (const field of ['tokenId', 'family', 'storeHash'] as const) {
    if (typeof json[field] !== 'string') return unusable(`${field} is not a string`);
  }
  const usage = json.usage;
  if (!isRecord(usage) || typeof usage.header !== 'string' || usage.header.length === 0) {
    return unusable('usage.header is not a non-empty string');
  }
  if (typeof usage.valuePrefix !== 'string') return unusable('usage.valuePrefix is not a string');
  let expiresAt: Date | null = null;
  if (json.expiresAt !== null) {
    expiresAt = typeof json.expiresAt === 'string' ? new Date(json.expiresAt) : new Date(Number.NaN);
    if (Number.isNaN(expiresAt.getTime())) return unusable('expiresAt is neither null nor an ISO-8601 date');
  }
  return {
    kind: 'token',
    token: json.token,
    tokenId: json.tokenId as string,
    family: json.family as string,
    storeHash: json.storeHash as string,
    header: usage.header,
    valuePrefix: usage.valuePrefix,
    expiresAt,
  };
}

function unusable(problem: string): Unusable {
  return { kind: 'unusable', problem };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
