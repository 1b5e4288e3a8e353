import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import type { ManagedToken, TokenFamily } from '../config/types';

export const STORED_TOKEN_SCHEMA_VERSION = 1;

/** How a consumer sends the token: header `name` with value `valuePrefix + token`. */
export interface TokenUsage {
  header: string;
  valuePrefix: string;
}

/**
 * The secret value users' workloads read: the token exactly as BigCommerce returned it, what it is, and
 * when it expires. Family specifics (channels, scopes, origins, ...) sit beside the common fields.
 */
export interface StoredToken {
  schemaVersion: typeof STORED_TOKEN_SCHEMA_VERSION;
  token: string;
  tokenId: string;
  family: TokenFamily;
  storeHash: string;
  /** ISO-8601. */
  mintedAt: string;
  /** ISO-8601, or null for tokens that do not expire. */
  expiresAt: string | null;
  usage: TokenUsage;
  details: Record<string, unknown>;
}

const COMMON_KEYS = [
  'schemaVersion',
  'token',
  'tokenId',
  'family',
  'storeHash',
  'mintedAt',
  'expiresAt',
  'usage',
] as const;

const storedTokenSchema = lazySchema(() =>
  z.looseObject({
    schemaVersion: z.literal(STORED_TOKEN_SCHEMA_VERSION),
    token: z.string().check(z.minLength(1)),
    tokenId: z.string(),
    family: z.string(),
    storeHash: z.string(),
    mintedAt: z.iso.datetime(),
    expiresAt: z.nullable(z.iso.datetime()),
    usage: z.object({ header: z.string(), valuePrefix: z.string() }),
  }),
);

/** The JSON written to Secrets Manager, common fields first, then family details. */
export function serializeStoredToken(stored: StoredToken): string {
  const { details, ...common } = stored;
  return JSON.stringify({ ...common, ...details });
}

/**
 * The stored token when `text` is a value this product wrote for `target` (same id, family and store);
 * undefined otherwise. Anything else (a placeholder, a value pasted by hand, another token's value) is
 * "no usable token": it gets replaced, and it is never revoked.
 */
export function parseStoredToken(
  text: string | undefined,
  target: Pick<ManagedToken, 'id' | 'family' | 'storeHash'>,
): StoredToken | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = storedTokenSchema().safeParse(json);
  if (!parsed.success) return undefined;
  const value = parsed.data;
  if (value.tokenId !== target.id || value.family !== target.family || value.storeHash !== target.storeHash)
    return undefined;
  const details = Object.fromEntries(
    Object.entries(value).filter(([key]) => !(COMMON_KEYS as readonly string[]).includes(key)),
  );
  return {
    schemaVersion: STORED_TOKEN_SCHEMA_VERSION,
    token: value.token,
    tokenId: value.tokenId,
    family: value.family as TokenFamily,
    storeHash: value.storeHash,
    mintedAt: value.mintedAt,
    expiresAt: value.expiresAt,
    usage: value.usage,
    details,
  };
}

/** `status` of a secret value that holds no token: the stack's first version, before any rotation. */
export const PLACEHOLDER_STATUS = 'awaiting-first-rotation';

/**
 * The first version of every managed secret, written by the stack (and by the rotator itself for a secret
 * created without a value): `token` is null, so a reader can tell "no token yet" from a token. It exists
 * because Secrets Manager attaches AWSCURRENT to a secret's first version whatever labels the write asks
 * for; with this placeholder in AWSCURRENT, an unverified token can never become current by being first.
 * Deterministic (no timestamps), so concurrent writers of it agree byte for byte.
 */
export function placeholderValue(target: Pick<ManagedToken, 'id' | 'family' | 'storeHash'>): string {
  return JSON.stringify({
    schemaVersion: STORED_TOKEN_SCHEMA_VERSION,
    token: null,
    status: PLACEHOLDER_STATUS,
    tokenId: target.id,
    family: target.family,
    storeHash: target.storeHash,
  });
}
