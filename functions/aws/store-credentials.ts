import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../config/zod';
import { lazySchema } from '../config/lazy-schema';
import type { StoreConfig } from '../config/types';
import { redactor } from '../observability/redaction';
import { type B2bLogin, CredentialsError, type StoreCredentials } from '../rotation/store-credentials';

/** The store-level API account token a store's `credentialsSecret` holds. */
const apiAccountSecret = lazySchema(() => z.object({ accessToken: z.string().check(z.minLength(1)) }));
/** The B2B Edition backend user a store's `b2bCredentialsSecret` holds. */
const b2bLoginSecret = lazySchema(() =>
  z.object({ email: z.string().check(z.minLength(1)), password: z.string().check(z.minLength(1)) }),
);

/** AWS errors that mean "the operator must act", each with what to do. */
const READ_FAILURES: Record<string, (secretName: string) => string> = {
  ResourceNotFoundException: (name) => `create the secret ${name} (see docs/deploying.md, step 1)`,
  AccessDeniedException: (name) =>
    `the function may read only the secrets the configuration names: check that ${name} is the configured name and deploy again`,
  DecryptionFailure: (name) =>
    `the secret ${name} is encrypted with a customer-managed key: set its credentialsKmsKeyArn / b2bCredentialsKmsKeyArn in the configuration`,
};

/**
 * Caches each secret across warm invocations for `ttlMs`, so a schedule does not re-read it every run, and
 * shares a read in flight, so the tokens of one store rotated at once read its root credentials once.
 */
export class SecretsManagerStoreCredentials implements StoreCredentials {
  /** The read of each secret, in flight or done: concurrent rotations of one store share one read. */
  private readonly cache = new Map<string, { value: Promise<unknown>; fetchedAt: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly stores: StoreConfig[],
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async accessToken(storeHash: string): Promise<string> {
    const secret = this.store(storeHash).credentialsSecret;
    if (!secret) {
      throw new CredentialsError(
        `store ${storeHash} has no credentialsSecret in the configuration`,
        'add credentialsSecret to the store',
      );
    }
    const { accessToken } = await this.read(
      storeHash,
      secret,
      apiAccountSecret(),
      '{"accessToken": "<store-level API account token>"}',
    );
    redactor.add(accessToken);
    return accessToken;
  }

  async b2bLogin(storeHash: string): Promise<B2bLogin> {
    const secret = this.store(storeHash).b2bCredentialsSecret;
    if (!secret) {
      throw new CredentialsError(
        `store ${storeHash} has no b2bCredentialsSecret in the configuration`,
        'add b2bCredentialsSecret to the store',
      );
    }
    const login = await this.read(
      storeHash,
      secret,
      b2bLoginSecret(),
      '{"email": "<B2B Edition backend user>", "password": "<their password>"}',
    );
    redactor.add(login.password);
    return login;
  }

  invalidate(storeHash: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${storeHash}\n`)) this.cache.delete(key);
  }

  private store(storeHash: string): StoreConfig {
    const store = this.stores.find((s) => s.storeHash === storeHash);
    if (!store) throw new CredentialsError(`store ${storeHash} is not in the configuration`, 'add the store to stores');
    return store;
  }

  private read<T>(storeHash: string, secretName: string, schema: z.ZodMiniType<T>, shape: string): Promise<T> {
    const key = `${storeHash}\n${secretName}`;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.value as Promise<T>;
    const value = this.fetch(secretName, schema, shape);
    this.cache.set(key, { value, fetchedAt: this.now() });
    // A failed read is not kept: the next rotation reads the secret again.
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }

  private async fetch<T>(secretName: string, schema: z.ZodMiniType<T>, shape: string): Promise<T> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretName })).catch((error: unknown) => {
      const name = (error as Error)?.name;
      const hint = Object.hasOwn(READ_FAILURES, name) ? READ_FAILURES[name] : undefined;
      if (!hint) throw error;
      throw new CredentialsError(
        `cannot read the root-credential secret ${secretName} (${name})`,
        hint(secretName),
        secretName,
      );
    });
    let json: unknown;
    try {
      json = JSON.parse(out.SecretString ?? '');
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CredentialsError(
        `the root-credential secret ${secretName} does not hold JSON ${shape}`,
        `put ${shape} in ${secretName}`,
        secretName,
      );
    }
    return parsed.data;
  }
}
