import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import type { SandboxResponse } from '../http';
import type { JwtSigner } from '../jwt';
import type { Store } from './accounts';

export interface StoredInstrumentTokenOptions {
  /** Lifetime BigCommerce gives each token; the docs' example token lives one hour. */
  lifetimeSeconds: number;
  /** Whether the response carries `expires_at` (turn off to test clients that fall back to the JWT). */
  includeExpiresAt: boolean;
  /** Whether the JWT carries `exp` (turn both off to test clients that must refuse a token of unknown expiry). */
  includeJwtExpiry: boolean;
}

export interface IssuedInstrumentToken {
  accessToken: string;
  jti: string;
  storeHash: string;
  issuedAt: Date;
  expiresAt: Date;
}

export const DEFAULT_INSTRUMENT_TOKEN_OPTIONS: StoredInstrumentTokenOptions = {
  lifetimeSeconds: 3600,
  includeExpiresAt: true,
  includeJwtExpiry: true,
};

/** `POST /v3/payments/stored-instruments/access-tokens`: no body, a short-lived `IAT <jwt>` back. */
export class StoredInstrumentTokens {
  private readonly tokens: IssuedInstrumentToken[] = [];
  private options: StoredInstrumentTokenOptions = { ...DEFAULT_INSTRUMENT_TOKEN_OPTIONS };

  constructor(
    private readonly clock: SandboxClock,
    private readonly signer: JwtSigner,
  ) {}

  configure(options: Partial<StoredInstrumentTokenOptions>): void {
    const next = { ...this.options, ...options };
    if (!Number.isInteger(next.lifetimeSeconds) || next.lifetimeSeconds < 1)
      throw new RangeError(`lifetimeSeconds must be a positive integer, got ${next.lifetimeSeconds}`);
    this.options = next;
  }

  mint(store: Store): SandboxResponse {
    const iat = this.clock.nowSeconds();
    const exp = iat + this.options.lifetimeSeconds;
    const jti = randomUUID();
    const jwt = this.signer.sign({
      ...(this.options.includeJwtExpiry ? { exp } : {}),
      nbf: iat,
      iss: 'payments.bigcommerce.com',
      sub: store.storeHash,
      jti,
      iat,
      data: { store_id: String(store.storeId) },
    });
    const accessToken = `IAT ${jwt}`;
    this.tokens.push({
      accessToken,
      jti,
      storeHash: store.storeHash,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date(exp * 1000),
    });
    return {
      status: 201,
      body: {
        data: { access_token: accessToken, ...(this.options.includeExpiresAt ? { expires_at: exp } : {}) },
        meta: {},
      },
    };
  }

  issued(): IssuedInstrumentToken[] {
    return [...this.tokens];
  }

  /** Whether BigCommerce would accept this access token right now (issued here, for this store, unexpired). */
  isValid(accessToken: string, storeHash: string): boolean {
    const issued = this.tokens.find((t) => t.accessToken === accessToken);
    return !!issued && issued.storeHash === storeHash && issued.expiresAt.getTime() > this.clock.nowMs();
  }
}
