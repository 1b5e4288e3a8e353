import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../config/zod';
import { type RootCredential, credentialsTag, tagCommand } from '../config/credentials-tag';
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

/** What a failed read is about: the secret, what it holds, and the stack whose function reads it. */
interface ReadFailure {
  secretName: string;
  credential: RootCredential;
  /** ROTATOR_STACK_NAME; absent in a local run, which has no stack. */
  stackName: string | undefined;
}

/**
 * Access is denied to a secret that lacks the tag opening it to this stack's functions (or is encrypted with a
 * key the function may not use); the hint names the tag and the command that puts it on.
 */
function accessDeniedHint({ secretName, credential, stackName }: ReadFailure): string {
  if (stackName === undefined) {
    return `the function may read only the root-credential secrets tagged for its stack: tag ${secretName} as docs/deploying.md, step 1 says`;
  }
  const tag = credentialsTag(stackName, credential);
  return `the functions of stack ${stackName} read only root-credential secrets tagged ${tag.key}=${tag.value}: ${tagCommand(secretName, tag)}`;
}

/** AWS errors that mean "the operator must act", each with what to do. */
const READ_FAILURES: Record<string, (failure: ReadFailure) => string> = {
  ResourceNotFoundException: ({ secretName }) => `create the secret ${secretName} (see docs/deploying.md, step 1)`,
  AccessDeniedException: accessDeniedHint,
  DecryptionFailure: ({ secretName }) =>
    `the secret ${secretName} is encrypted with a customer-managed key: set its credentialsKmsKeyArn / b2bCredentialsKmsKeyArn in the configuration`,
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
    private readonly options: {
      ttlMs?: number;
      now?: () => number;
      /** The stack the function belongs to (ROTATOR_STACK_NAME), named in the hint of a read it may not make. */
      stackName?: string;
    } = {},
  ) {}

  private get stackName(): string | undefined {
    return this.options.stackName;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private get ttlMs(): number {
    return this.options.ttlMs ?? 5 * 60_000;
  }

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
      { secretName: secret, credential: 'api-account', stackName: this.stackName },
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
      { secretName: secret, credential: 'b2b-login', stackName: this.stackName },
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

  private read<T>(storeHash: string, secret: ReadFailure, schema: z.ZodMiniType<T>, shape: string): Promise<T> {
    const key = `${storeHash}\n${secret.secretName}`;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.fetchedAt < this.ttlMs) return cached.value as Promise<T>;
    const value = this.fetch(secret, schema, shape);
    this.cache.set(key, { value, fetchedAt: this.now() });
    // A failed read is not kept: the next rotation reads the secret again.
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    return value;
  }

  private async fetch<T>(secret: ReadFailure, schema: z.ZodMiniType<T>, shape: string): Promise<T> {
    const { secretName } = secret;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretName })).catch((error: unknown) => {
      const name = (error as Error)?.name;
      const hint = Object.hasOwn(READ_FAILURES, name) ? READ_FAILURES[name] : undefined;
      if (!hint) throw error;
      throw new CredentialsError(
        `cannot read the root-credential secret ${secretName} (${name})`,
        hint(secret),
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
