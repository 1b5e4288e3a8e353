/** The validated configuration, shared by the CDK app and the functions. Durations are in seconds. */

export const STOREFRONT_FAMILIES = ['storefront-private', 'storefront', 'customer-impersonation'] as const;
export type StorefrontFamily = (typeof STOREFRONT_FAMILIES)[number];
export const TOKEN_FAMILIES = [...STOREFRONT_FAMILIES, 'stored-instruments'] as const;
export type TokenFamily = (typeof TOKEN_FAMILIES)[number];

/** Which deployed function rotates each family. */
export const ROTATOR_KINDS = ['storefront', 'payments'] as const;
export type RotatorKind = (typeof ROTATOR_KINDS)[number];
export const FAMILY_ROTATOR: Record<TokenFamily, RotatorKind> = {
  'storefront-private': 'storefront',
  storefront: 'storefront',
  'customer-impersonation': 'storefront',
  'stored-instruments': 'payments',
};

/** `scopes` of a private token, from BigCommerce's spec. */
export const PRIVATE_TOKEN_SCOPES = ['Unauthenticated', 'Customer', 'B2B'] as const;
export type PrivateTokenScope = (typeof PRIVATE_TOKEN_SCOPES)[number];

export interface StoreConfig {
  storeHash: string;
  /** Secrets Manager secret (name) holding `{"accessToken": "..."}`, the store-level API account token. */
  credentialsSecret: string;
  /** Customer-managed KMS key of that secret, when it is not encrypted with `aws/secretsmanager`. */
  credentialsKmsKeyArn?: string;
}

interface ManagedTokenBase {
  id: string;
  storeHash: string;
  /** Name of the Secrets Manager secret this token is kept in. */
  secretName: string;
}

export interface ExpiringTokenPolicy {
  lifetimeSeconds: number;
  renewBeforeSeconds: number;
}

export interface RevokeSupersededPolicy {
  gracePeriodSeconds: number;
}

export interface StorefrontPrivateToken extends ManagedTokenBase, ExpiringTokenPolicy {
  family: 'storefront-private';
  channelIds: number[];
  scopes: PrivateTokenScope[];
  revokeSuperseded?: RevokeSupersededPolicy;
}

export interface StorefrontToken extends ManagedTokenBase, ExpiringTokenPolicy {
  family: 'storefront';
  channelIds: number[];
  allowedCorsOrigins: string[];
  revokeSuperseded?: RevokeSupersededPolicy;
}

export interface CustomerImpersonationToken extends ManagedTokenBase, ExpiringTokenPolicy {
  family: 'customer-impersonation';
  channelIds: number[];
}

/**
 * A payments stored-instruments access token. BigCommerce sets its lifetime; `lifetimeSeconds` is the
 * lifetime the operator expects (checked against the window at synth, and against the real tokens).
 */
export interface StoredInstrumentsToken extends ManagedTokenBase, ExpiringTokenPolicy {
  family: 'stored-instruments';
}

export type StorefrontManagedToken = StorefrontPrivateToken | StorefrontToken | CustomerImpersonationToken;
export type ManagedToken = StorefrontManagedToken | StoredInstrumentsToken;

export interface ScheduleConfig {
  /** EventBridge Scheduler expression: `rate(...)` or `cron(...)`. */
  expression: string;
  timeZone: string;
  /** Longest possible gap between two runs, derived from the expression. */
  maxGapSeconds: number;
  /** True when the expression was derived from the tokens' renewal windows rather than configured. */
  derived: boolean;
}

export interface RotatorConfig {
  stores: StoreConfig[];
  tokens: ManagedToken[];
  schedules: Record<RotatorKind, ScheduleConfig>;
  secretNamePrefix: string;
  eventBusName: string;
}
