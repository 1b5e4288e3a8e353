/** The B2B Edition backend user a store's `b2bCredentialsSecret` holds. */
export interface B2bLogin {
  email: string;
  password: string;
}

/**
 * The root-credentials port: a store's credentials, never minted here, only read from the secrets the
 * operator created. aws/store-credentials.ts implements it with Secrets Manager.
 */
export interface StoreCredentials {
  accessToken(storeHash: string): Promise<string>;
  b2bLogin(storeHash: string): Promise<B2bLogin>;
  /** Forget cached values (after BigCommerce refused them), so the next read fetches the secrets again. */
  invalidate(storeHash: string): void;
}

/**
 * A root credential could not be had: the secret is missing, unreadable or malformed, or the configuration
 * names none. Carries the secret's name and what the operator does; never the secret's value.
 */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  readonly ownMessage = true;

  constructor(
    message: string,
    readonly hint: string,
    readonly secretName?: string,
  ) {
    super(message);
  }
}
