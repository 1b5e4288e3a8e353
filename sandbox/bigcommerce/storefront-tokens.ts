import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import type { SandboxRequest, SandboxResponse } from '../http';
import type { JwtSigner } from '../jwt';
import type { Store } from './accounts';
import { v3Error } from './errors';
import { isPositiveInteger, parseJsonObject } from './json-body';

export type StorefrontTokenKind = 'storefront' | 'private' | 'customer-impersonation';

/** The `scopes` enum of `POST /storefront/api-token-private`. */
export const PRIVATE_TOKEN_SCOPES: readonly string[] = ['Unauthenticated', 'Customer', 'B2B'];

/**
 * BigCommerce's deprecation notice: storefront (CORS) tokens created after 2026-06-30 do not work
 * server-to-server; older ones keep working server-to-server until 2027-03-31.
 */
export const STOREFRONT_S2S_CREATED_BY = Date.parse('2026-07-01T00:00:00Z');
export const STOREFRONT_S2S_SUNSET = Date.parse('2027-04-01T00:00:00Z');

/** Seconds values above this are taken for milliseconds, which the spec says are not supported. */
const MAX_SECONDS_TIMESTAMP = 100_000_000_000;
const MAX_CORS_ORIGINS = 2;

export interface IssuedStorefrontToken {
  token: string;
  jti: string;
  kind: StorefrontTokenKind;
  storeHash: string;
  channelIds: number[];
  scopes: string[];
  allowedCorsOrigins: string[];
  issuedAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
}

interface MintRequest {
  expiresAt: number;
  channelIds: number[];
  scopes: string[];
  allowedCorsOrigins: string[];
}

export type GraphqlAuthorization =
  | { ok: true; token: IssuedStorefrontToken }
  | { ok: false; status: 401 | 403; title: string };

/** Storefront, private and customer-impersonation tokens: minting, revocation, and the checks GraphQL applies. */
export class StorefrontTokens {
  private readonly byJti = new Map<string, IssuedStorefrontToken>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly signer: JwtSigner,
  ) {}

  mint(kind: StorefrontTokenKind, request: SandboxRequest, store: Store): SandboxResponse {
    const body = parseJsonObject(request.rawBody);
    if (!body.ok) return v3Error(422, 'Invalid JSON request body - missing or invalid data.', { body: body.problem });
    const parsed = validateMintRequest(kind, body.value, store, this.clock.nowSeconds());
    if ('errors' in parsed) return v3Error(422, 'Invalid JSON request body - missing or invalid data.', parsed.errors);

    const issuedAt = this.clock.nowSeconds();
    const jti = randomUUID();
    const token = this.signer.sign({
      iss: 'BC',
      sid: store.storeId,
      store_hash: store.storeHash,
      token_type: kind,
      cid: parsed.channelIds,
      ...(kind === 'private' ? { scopes: parsed.scopes } : {}),
      ...(kind === 'storefront' && parsed.allowedCorsOrigins.length > 0 ? { cors: parsed.allowedCorsOrigins } : {}),
      iat: issuedAt,
      eat: parsed.expiresAt,
      exp: parsed.expiresAt,
      jti,
    });
    this.byJti.set(jti, {
      token,
      jti,
      kind,
      storeHash: store.storeHash,
      channelIds: parsed.channelIds,
      scopes: parsed.scopes,
      allowedCorsOrigins: parsed.allowedCorsOrigins,
      issuedAt: new Date(issuedAt * 1000),
      expiresAt: new Date(parsed.expiresAt * 1000),
    });
    return { status: 200, body: { data: { token }, meta: {} } };
  }

  /** `DELETE /storefront/api-token` with the token in `Sf-Api-Token`; revoking twice is not an error. */
  revoke(request: SandboxRequest, store: Store): SandboxResponse {
    const header = request.headers['sf-api-token'];
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return v3Error(422, 'Missing JWT token header', { 'Sf-Api-Token': 'header is required' });
    const issued = this.lookup(value);
    if (!issued || issued.storeHash !== store.storeHash)
      return v3Error(422, 'Invalid JWT Token provided', { 'Sf-Api-Token': 'not a token issued for this store' });
    issued.revokedAt ??= this.clock.now();
    return { status: 200 };
  }

  /** What the GraphQL Storefront API decides for a bearer token on a store's channel. */
  authorizeGraphql(
    bearer: string | undefined,
    storeHash: string,
    channelId: number,
    origin: string | undefined,
  ): GraphqlAuthorization {
    if (!bearer) return { ok: false, status: 401, title: 'Missing Authorization header: expected "Bearer <token>"' };
    const issued = this.lookup(bearer);
    if (!issued) return { ok: false, status: 401, title: 'Invalid token' };
    if (issued.storeHash !== storeHash) return { ok: false, status: 401, title: 'Token is not valid for this store' };
    if (issued.revokedAt) return { ok: false, status: 401, title: 'Token has been revoked' };
    if (issued.expiresAt.getTime() <= this.clock.nowMs()) return { ok: false, status: 401, title: 'Token has expired' };
    if (!issued.channelIds.includes(channelId))
      return { ok: false, status: 401, title: `Token is not valid for channel ${channelId}` };

    if (origin !== undefined) {
      if (issued.kind !== 'storefront')
        return { ok: false, status: 403, title: `${issued.kind} tokens cannot be used from a web browser` };
      if (!issued.allowedCorsOrigins.includes(origin))
        return { ok: false, status: 403, title: `Origin ${origin} is not an allowed CORS origin of this token` };
    } else if (issued.kind === 'storefront') {
      const now = this.clock.nowMs();
      if (issued.issuedAt.getTime() >= STOREFRONT_S2S_CREATED_BY || now >= STOREFRONT_S2S_SUNSET) {
        return {
          ok: false,
          status: 403,
          title: 'Storefront tokens do not support server-to-server requests; use a private token',
        };
      }
    }
    return { ok: true, token: issued };
  }

  issued(): IssuedStorefrontToken[] {
    return [...this.byJti.values()];
  }

  private lookup(token: string): IssuedStorefrontToken | undefined {
    const payload = this.signer.verify(token);
    return typeof payload?.jti === 'string' ? this.byJti.get(payload.jti) : undefined;
  }
}

function validateMintRequest(
  kind: StorefrontTokenKind,
  body: Record<string, unknown>,
  store: Store,
  nowSeconds: number,
): MintRequest | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const { expires_at: expiresAt, channel_id: channelId, channel_ids: channelIds } = body;

  if (expiresAt === undefined) errors.expires_at = 'expires_at is required';
  else if (typeof expiresAt !== 'number' || !Number.isInteger(expiresAt) || expiresAt < 0)
    errors.expires_at = 'expires_at must be a non-negative integer Unix timestamp in seconds';
  else if (expiresAt >= MAX_SECONDS_TIMESTAMP)
    errors.expires_at = 'expires_at must be in seconds; milliseconds are not supported';
  else if (expiresAt <= nowSeconds) errors.expires_at = 'expires_at must be in the future';

  let channels: number[] = [];
  if (channelId !== undefined && channelIds !== undefined)
    errors.channel_ids = 'channel_id and channel_ids cannot both be used; send exactly one';
  else if (channelId === undefined && channelIds === undefined)
    errors.channel_ids = 'one of channel_id or channel_ids is required';
  else if (channelId !== undefined) {
    if (!isPositiveInteger(channelId)) errors.channel_id = 'channel_id must be an integer >= 1';
    else channels = [channelId];
  } else if (!Array.isArray(channelIds) || channelIds.length === 0 || !channelIds.every(isPositiveInteger)) {
    errors.channel_ids = 'channel_ids must be a non-empty array of integers >= 1';
  } else channels = [...new Set(channelIds)];
  const unknown = channels.filter((id) => !store.channelIds.includes(id));
  if (unknown.length > 0) errors.channel_ids = `channel ${unknown.join(', ')} does not exist on this store`;

  let scopes: string[] = [];
  if (kind === 'private') {
    const raw = body.scopes;
    if (raw === undefined) errors.scopes = 'scopes is required for private tokens';
    else if (!Array.isArray(raw) || raw.length === 0) errors.scopes = 'scopes must be a non-empty array';
    else if (!raw.every((s): s is string => typeof s === 'string' && PRIVATE_TOKEN_SCOPES.includes(s)))
      errors.scopes = `scopes must be drawn from ${PRIVATE_TOKEN_SCOPES.join(', ')}`;
    else scopes = [...new Set(raw)];
  }

  let allowedCorsOrigins: string[] = [];
  if (kind === 'storefront' && body.allowed_cors_origins !== undefined) {
    const raw = body.allowed_cors_origins;
    if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_CORS_ORIGINS)
      errors.allowed_cors_origins = `allowed_cors_origins must list 1 to ${MAX_CORS_ORIGINS} origins`;
    else if (!raw.every((o): o is string => typeof o === 'string' && o.length > 0))
      errors.allowed_cors_origins = 'allowed_cors_origins must contain non-empty strings';
    else allowedCorsOrigins = raw;
  }

  if (Object.keys(errors).length > 0) return { errors };
  return { expiresAt: expiresAt as number, channelIds: channels, scopes, allowedCorsOrigins };
}
