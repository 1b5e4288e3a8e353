import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { StoreConfig } from '../config/types';
import { redactor } from '../observability/redaction';

/** The store-level API account token each store's root-credential secret must hold. */
const storeCredentialsSecret = z.object({ accessToken: z.string().min(1) });

/** Root credentials: never minted here, only read from the secrets the operator created. */
export interface StoreCredentials {
  accessToken(storeHash: string): Promise<string>;
  /** Forget a cached value (after BigCommerce said 401), so the next read fetches the secret again. */
  invalidate(storeHash: string): void;
}

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

/** Caches each secret across warm invocations for `ttlMs`, so a schedule does not re-read it every run. */
export class SecretsManagerStoreCredentials implements StoreCredentials {
  private readonly cache = new Map<string, { value: string; fetchedAt: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly stores: StoreConfig[],
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async accessToken(storeHash: string): Promise<string> {
    const cached = this.cache.get(storeHash);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.value;
    const store = this.stores.find((s) => s.storeHash === storeHash);
    if (!store) throw new CredentialsError(`store ${storeHash} is not in the configuration`);
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: store.credentialsSecret }));
    let json: unknown;
    try {
      json = JSON.parse(out.SecretString ?? '');
    } catch {
      json = undefined;
    }
    const parsed = storeCredentialsSecret.safeParse(json);
    if (!parsed.success) throw new CredentialsError(`secret ${store.credentialsSecret} must hold JSON {"accessToken": "<store-level API account token>"}`);
    redactor.add(parsed.data.accessToken);
    this.cache.set(storeHash, { value: parsed.data.accessToken, fetchedAt: this.now() });
    return parsed.data.accessToken;
  }

  invalidate(storeHash: string): void {
    this.cache.delete(storeHash);
  }
}
