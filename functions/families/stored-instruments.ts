import { decodeJwtClaims } from '../bigcommerce/jwt';
import type { InstrumentAccessToken, StoredInstrumentsClient } from '../bigcommerce/stored-instruments';
import { formatDuration } from '../config/duration';
import type { StoredInstrumentsToken } from '../config/types';
import type { RotationPolicy } from '../rotation/due';
import type { FamilyAdapter, FamilyContext, MintedToken } from '../rotation/family';
import type { StoredToken } from '../rotation/stored-token';
import { explainAccountError, withAccessToken } from './credentials';

const SCOPE = 'Create Payments (store_payments_access_token_create)';
const SCHEME = 'IAT ';
/** `expires_at` and the JWT's `exp` may disagree by clock skew, not more. */
const EXPIRY_TOLERANCE_SECONDS = 60;

/** A stored-instruments token that cannot be used, or cannot be kept fresh with this configuration. */
export class InstrumentTokenError extends Error {
  override readonly name = 'InstrumentTokenError';
  readonly ownMessage = true;
}

/**
 * What can be proven about a stored-instruments access token without a documented read call to spend it
 * on: it is `IAT <jwt>`, the JWT decodes, its subject is this store, and it expires in the future (and,
 * when BigCommerce also sent `expires_at`, at that time). Returns the expiry in Unix seconds.
 */
export function checkInstrumentToken(accessToken: string, storeHash: string, now: Date, expiresAt?: number): number {
  if (!accessToken.startsWith(SCHEME)) throw new InstrumentTokenError('the access token does not start with "IAT "');
  const claims = decodeJwtClaims(accessToken.slice(SCHEME.length));
  if (!claims) throw new InstrumentTokenError('the access token is not a decodable JWT after "IAT "');
  if (claims.sub !== storeHash)
    throw new InstrumentTokenError(`the access token names another store, not ${storeHash}`);
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  if (expiresAt !== undefined && exp !== undefined && Math.abs(expiresAt - exp) > EXPIRY_TOLERANCE_SECONDS) {
    throw new InstrumentTokenError(`expires_at (${expiresAt}) and the JWT's exp (${exp}) disagree`);
  }
  const expiry = expiresAt ?? exp;
  if (expiry === undefined)
    throw new InstrumentTokenError(
      'BigCommerce gave no expires_at and the JWT has no exp: the expiry is unknown, so the token is not stored',
    );
  if (expiry * 1000 <= now.getTime())
    throw new InstrumentTokenError(`the access token expired at ${new Date(expiry * 1000).toISOString()}`);
  return expiry;
}

/**
 * Payments stored-instruments access tokens: BigCommerce chooses the (short) lifetime. The token is stored
 * exactly as returned, `IAT <jwt>`, which is also the `Authorization` header value. There is no revocation.
 */
export class StoredInstrumentsFamilyAdapter implements FamilyAdapter<StoredInstrumentsToken> {
  readonly family = 'stored-instruments' as const;

  constructor(private readonly client: StoredInstrumentsClient) {}

  policy(target: StoredInstrumentsToken): RotationPolicy {
    return { kind: 'expiring', renewBeforeSeconds: target.renewBeforeSeconds };
  }

  async mint(target: StoredInstrumentsToken, context: FamilyContext, mintedAt: Date): Promise<MintedToken> {
    let issued: InstrumentAccessToken;
    try {
      issued = await withAccessToken(context, target.storeHash, (accessToken) =>
        this.client.createAccessToken(target.storeHash, accessToken),
      );
    } catch (error) {
      throw explainAccountError(error, SCOPE);
    }
    const expiry = checkInstrumentToken(issued.accessToken, target.storeHash, mintedAt, issued.expiresAt);
    const lifetime = expiry - Math.floor(mintedAt.getTime() / 1000);
    if (lifetime <= target.renewBeforeSeconds) {
      throw new InstrumentTokenError(
        `BigCommerce issued a token that lives ${formatDuration(lifetime)}, not longer than renewBefore (${formatDuration(target.renewBeforeSeconds)}): ` +
          `with this configuration the token would be due at once and could expire between runs. Set "lifetime" to what BigCommerce issues and a shorter "renewBefore"`,
      );
    }
    return {
      token: issued.accessToken,
      expiresAt: new Date(expiry * 1000),
      usage: { header: 'Authorization', valuePrefix: '' },
      details: {},
    };
  }

  async verify(target: StoredInstrumentsToken, stored: StoredToken, context: FamilyContext): Promise<void> {
    const expiresAt = stored.expiresAt ? Math.floor(Date.parse(stored.expiresAt) / 1000) : undefined;
    checkInstrumentToken(stored.token, target.storeHash, context.clock.now(), expiresAt);
  }
}
