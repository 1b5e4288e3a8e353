/** The validated configuration, shared by the CDK app and the functions. Durations are in seconds. */

/** The product's name: the service its logs and metrics name, and the default name of its event bus. */
export const PRODUCT_NAME = 'bigcommerce-token-rotator';

/** The `source` of every event this product puts on its bus (the bus policy lets only the rotators use it). */
export const EVENT_SOURCE = 'bigcommerce.token-rotator';

export const STOREFRONT_FAMILIES = ['storefront-private', 'storefront', 'customer-impersonation'] as const;
export type StorefrontFamily = (typeof STOREFRONT_FAMILIES)[number];
export const TOKEN_FAMILIES = [...STOREFRONT_FAMILIES, 'stored-instruments', 'b2b-backend'] as const;
export type TokenFamily = (typeof TOKEN_FAMILIES)[number];

/** Which deployed function rotates each family. */
export const ROTATOR_KINDS = ['storefront', 'payments', 'b2b'] as const;
export type RotatorKind = (typeof ROTATOR_KINDS)[number];
export const FAMILY_ROTATOR: Record<TokenFamily, RotatorKind> = {
  'storefront-private': 'storefront',
  storefront: 'storefront',
  'customer-impersonation': 'storefront',
  'stored-instruments': 'payments',
  'b2b-backend': 'b2b',
};

/** `scopes` of a private token, from BigCommerce's spec. */
export const PRIVATE_TOKEN_SCOPES = ['Unauthenticated', 'Customer', 'B2B'] as const;
export type PrivateTokenScope = (typeof PRIVATE_TOKEN_SCOPES)[number];

export interface StoreConfig {
  storeHash: string;
  /** Secret (name) holding `{"accessToken": "..."}`, the store-level API account token; needed by the storefront and payments families. */
  credentialsSecret?: string;
  /** Customer-managed KMS key of that secret, when it is not encrypted with `aws/secretsmanager`. */
  credentialsKmsKeyArn?: string;
  /** Secret (name) holding `{"email": "...", "password": "..."}`, the B2B Edition backend user; needed by the b2b-backend family. */
  b2bCredentialsSecret?: string;
  /** Customer-managed KMS key of that secret. */
  b2bCredentialsKmsKeyArn?: string;
}

interface ManagedTokenBase {
  id: string;
  storeHash: string;
  /** Name of the Secrets Manager secret this token is kept in. */
  secretName: string;
  /**
   * Left alone by every run and refused by Secrets Manager's rotation steps until unset: no mint, no write, not
   * counted overdue. Absent when not paused.
   */
  paused?: true;
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

/**
 * A B2B Edition server-to-server (`authToken`) backend token. These never expire: a new one is minted every
 * rotation period, and stale ones this product minted are revoked once older than the grace period.
 */
export interface B2bBackendToken extends ManagedTokenBase {
  family: 'b2b-backend';
  rotationPeriodSeconds: number;
  gracePeriodSeconds: number;
}

export type StorefrontManagedToken = StorefrontPrivateToken | StorefrontToken | CustomerImpersonationToken;
export type ManagedToken = StorefrontManagedToken | StoredInstrumentsToken | B2bBackendToken;

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
  /** Where alarms are sent, besides the alarm topic itself. */
  notifications: { email?: string };
  stores: StoreConfig[];
  tokens: ManagedToken[];
  schedules: Record<RotatorKind, ScheduleConfig>;
  secretNamePrefix: string;
  eventBusName: string;
}
