/** The validated configuration, shared by the CDK app and the functions. Durations are in seconds. */

export const STOREFRONT_FAMILIES = ['storefront-private', 'storefront', 'customer-impersonation'] as const;
export type StorefrontFamily = (typeof STOREFRONT_FAMILIES)[number];
export type TokenFamily = StorefrontFamily;

/** Which deployed function rotates each family. */
export type RotatorKind = 'storefront';
export const FAMILY_ROTATOR: Record<TokenFamily, RotatorKind> = {
  'storefront-private': 'storefront',
  storefront: 'storefront',
  'customer-impersonation': 'storefront',
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

export type ManagedToken = StorefrontPrivateToken | StorefrontToken | CustomerImpersonationToken;
export type StorefrontManagedToken = StorefrontPrivateToken | StorefrontToken | CustomerImpersonationToken;

export interface ScheduleConfig {
  /** EventBridge Scheduler expression: `rate(...)` or `cron(...)`. */
  expression: string;
  timeZone: string;
  /** Longest possible gap between two runs, derived from the expression. */
  maxGapSeconds: number;
}

export interface RotatorConfig {
  stores: StoreConfig[];
  tokens: ManagedToken[];
  schedules: Record<RotatorKind, ScheduleConfig>;
  secretNamePrefix: string;
  eventBusName: string;
}
