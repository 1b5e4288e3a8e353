import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../http';
import { v3Error } from './errors';

/** OAuth scope parameters from BigCommerce's "Token creation scopes" table. */
export const SCOPES = {
  storefrontTokens: 'store_storefront_api',
  customerImpersonationTokens: 'store_storefront_api_customer_impersonation',
  createPayments: 'store_payments_access_token_create',
} as const;

export const TOKEN_CREATION_SCOPES: readonly string[] = Object.values(SCOPES);

export interface Store {
  storeHash: string;
  /** Numeric store id, as carried inside BigCommerce-issued JWTs. */
  storeId: number;
  storeName: string;
  channelIds: readonly number[];
}

export interface ApiAccount {
  storeHash: string;
  accessToken: string;
  scopes: readonly string[];
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Random lowercase alphanumerics, the shape of BigCommerce access tokens and store hashes. */
export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/** Stores and their store-level API accounts: who may call which endpoint. */
export class Accounts {
  private readonly stores = new Map<string, Store>();
  private readonly byToken = new Map<string, ApiAccount>();

  addStore(store: Store): Store {
    if (!/^[a-z0-9]+$/.test(store.storeHash))
      throw new TypeError(`store hash must be lowercase alphanumeric, got ${JSON.stringify(store.storeHash)}`);
    if (this.stores.has(store.storeHash)) throw new Error(`store ${store.storeHash} already exists`);
    if (store.channelIds.length === 0 || store.channelIds.some((id) => !Number.isInteger(id) || id < 1))
      throw new TypeError('a store needs at least one positive integer channel id');
    this.stores.set(store.storeHash, store);
    return store;
  }

  store(storeHash: string): Store | undefined {
    return this.stores.get(storeHash);
  }

  allStores(): Store[] {
    return [...this.stores.values()];
  }

  /** Creates a store-level API account; its access token is random unless given. */
  addApiAccount(storeHash: string, scopes: readonly string[], accessToken = randomAlphanumeric(31)): ApiAccount {
    if (!this.stores.has(storeHash)) throw new Error(`no store ${storeHash}`);
    if (this.byToken.has(accessToken)) throw new Error('access token already in use');
    const account = { storeHash, accessToken, scopes: [...scopes] };
    this.byToken.set(accessToken, account);
    return account;
  }

  /** Deleting the API account is the only way to revoke a store-level token. */
  removeApiAccount(accessToken: string): boolean {
    return this.byToken.delete(accessToken);
  }

  /**
   * Checks `X-Auth-Token` for a store-scoped call: 401 when the token is missing or not an account of this
   * store, 403 when the account has none of the scopes the endpoint accepts.
   */
  authorize(
    request: SandboxRequest,
    storeHash: string,
    acceptedScopes: readonly string[],
  ): { account: ApiAccount } | { denied: SandboxResponse } {
    const header = request.headers['x-auth-token'];
    const token = Array.isArray(header) ? header[0] : header;
    const account = token ? this.byToken.get(token) : undefined;
    if (!account || account.storeHash !== storeHash) {
      return {
        denied: v3Error(
          401,
          'Unauthorized. The X-Auth-Token header is missing, or it is not a valid API account token for this store.',
        ),
      };
    }
    if (!acceptedScopes.some((scope) => account.scopes.includes(scope))) {
      return { denied: v3Error(403, "You don't have a required scope to access the endpoint", {}) };
    }
    return { account };
  }
}
