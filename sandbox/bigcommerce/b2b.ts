import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import type { SandboxRequest, SandboxResponse } from '../http';
import type { JwtSigner } from '../jwt';
import { FixedWindowLimiter, type RateLimitDecision, type RateLimitPolicy } from '../rate-limit';
import type { Accounts } from './accounts';
import { b2bError, b2bResponse } from './errors';
import { parseJsonObject } from './json-body';

/** Where the B2B Edition REST Management API lives, relative to the sandbox root (`/api/io` on BigCommerce). */
export const B2B_BASE_PATH = '/b2b/api/io';

/** Roles allowed to create API tokens with `POST /auth/backend`; custom roles are refused. */
export const TOKEN_CREATING_ROLES: readonly string[] = ['Administrator', 'Store Owner'];

/**
 * The spec gives no maximum for a token name. The sandbox enforces a conservative 64 characters so that a
 * name that works here is short enough for any plausible limit there.
 */
export const B2B_TOKEN_NAME_MAX_LENGTH = 64;

/** B2B Edition: 150 requests per minute per store. */
export const DEFAULT_B2B_RATE_LIMIT: RateLimitPolicy = { quota: 150, windowMs: 60_000 };

export type B2bEventChannel = 'app' | 'admin' | 'api';

export interface B2bUser {
  storeHash: string;
  email: string;
  password: string;
  role: string;
}

export interface B2bToken {
  id: number;
  name: string;
  email: string;
  storeHash: string;
  token: string;
  eventChannel: B2bEventChannel;
  /** Not part of the API (the list does not show it); kept for inspection only. */
  createdAt: Date;
}

const MAX_PAGE = 250;
const WRONG_CREDENTIALS = 'The email or password you have entered is incorrect. Please try again.';
const NO_CREDENTIALS = 'Invalid token header. No credentials provided.';

/** B2B Edition server-to-server tokens: `POST/DELETE /auth/backend`, `GET /backend/tokens`. */
export class B2bEdition {
  private readonly users: B2bUser[] = [];
  private readonly tokens = new Map<number, B2bToken>();
  private nextId = 1001;
  readonly limiter: FixedWindowLimiter;

  constructor(
    private readonly clock: SandboxClock,
    private readonly signer: JwtSigner,
    private readonly accounts: Accounts,
    rateLimit: RateLimitPolicy = DEFAULT_B2B_RATE_LIMIT,
  ) {
    this.limiter = new FixedWindowLimiter(clock, rateLimit);
  }

  addUser(user: B2bUser): B2bUser {
    if (!this.accounts.store(user.storeHash)) throw new Error(`no store ${user.storeHash}`);
    this.users.push({ ...user });
    return user;
  }

  /** Creates a token directly, as the control panel or another integration would (for tests and seeding). */
  addToken(fields: { storeHash: string; email: string; name: string; eventChannel?: B2bEventChannel }): B2bToken {
    const id = this.nextId++;
    const token: B2bToken = {
      id,
      name: fields.name,
      email: fields.email,
      storeHash: fields.storeHash,
      token: this.signer.sign({
        email: fields.email,
        store_hash: fields.storeHash,
        db: 'default',
        name: fields.name,
        jti: randomUUID(),
      }),
      eventChannel: fields.eventChannel ?? 'api',
      createdAt: this.clock.now(),
    };
    this.tokens.set(id, token);
    return token;
  }

  allTokens(): B2bToken[] {
    return [...this.tokens.values()];
  }

  /** Whether a token value is a live (not deleted) backend token. */
  isLive(token: string): boolean {
    return this.byValue(token) !== undefined;
  }

  handle(request: SandboxRequest, path: string): SandboxResponse {
    const route = `${request.method} ${path}`;
    switch (route) {
      case 'POST /auth/backend':
        return this.createToken(request);
      case 'GET /backend/tokens':
        return this.withAuth(request, (caller, limits) => this.listTokens(request, caller, limits));
      case 'DELETE /auth/backend':
        return this.withAuth(request, (caller, limits) => this.deleteToken(request, caller, limits));
      default:
        return ['/auth/backend', '/backend/tokens'].includes(path)
          ? b2bError(405, `${request.method} is not allowed here`, 'Method Not Allowed')
          : b2bError(404, `No route ${path}`, 'Not Found Error');
    }
  }

  /** The 429 this API sends when its quota is spent. */
  rateLimited(decision: Pick<RateLimitDecision, 'quota' | 'resetMs'>): SandboxResponse {
    return b2bError(
      429,
      'Too many requests, please try again later.',
      'Too Many Requests',
      rateHeaders({ ...decision, remaining: 0 }),
    );
  }

  private createToken(request: SandboxRequest): SandboxResponse {
    const body = parseJsonObject(request.rawBody);
    if (!body.ok) return b2bError(400, body.problem, 'API logic error');
    const fields: Record<string, string> = {};
    for (const field of ['storeHash', 'email', 'password', 'name']) {
      const value = body.value[field];
      if (typeof value !== 'string' || value.length === 0)
        return b2bError(400, `${field} is required and must be a non-empty string`, 'API logic error');
      fields[field] = value;
    }
    const { storeHash, email, password, name } = fields as {
      storeHash: string;
      email: string;
      password: string;
      name: string;
    };
    const limits = this.limiter.consume(storeHash);
    if (!limits.allowed) return this.rateLimited(limits);
    const headers = rateHeaders(limits);
    if (name.length > B2B_TOKEN_NAME_MAX_LENGTH)
      return b2bError(400, `name must be at most ${B2B_TOKEN_NAME_MAX_LENGTH} characters`, 'API logic error', headers);

    const user = this.users.find((u) => u.storeHash === storeHash && u.email.toLowerCase() === email.toLowerCase());
    if (!user || user.password !== password) return b2bError(400, WRONG_CREDENTIALS, 'API logic error', headers);
    if (!TOKEN_CREATING_ROLES.includes(user.role)) return b2bError(400, 'role forbidden', 'API logic error', headers);

    const created = this.addToken({ storeHash, email: user.email, name, eventChannel: 'api' });
    return b2bResponse(200, [{ name: created.name, token: created.token }], 'SUCCESS', {}, headers);
  }

  private listTokens(request: SandboxRequest, caller: B2bToken, limits: RateLimitDecision): SandboxResponse {
    const headers = rateHeaders(limits);
    const limit = integerParam(request.query.get('limit'), 10);
    const offset = integerParam(request.query.get('offset'), 0);
    if (limit === undefined || limit < 1)
      return b2bError(400, `limit must be an integer from 1 to ${MAX_PAGE}`, 'Bad Request', headers);
    if (limit > MAX_PAGE)
      return b2bError(413, `limit must not exceed ${MAX_PAGE}`, 'Request Entity Too Large', headers);
    if (offset === undefined || offset < 0)
      return b2bError(400, 'offset must be a non-negative integer', 'Bad Request', headers);

    const storeTokens = [...this.tokens.values()]
      .filter((t) => t.storeHash === caller.storeHash)
      .sort((a, b) => a.id - b.id);
    const page = storeTokens
      .slice(offset, offset + limit)
      .map(({ id, name, email, storeHash, token, eventChannel }) => ({
        id,
        name,
        email,
        storeHash,
        token,
        eventChannel,
      }));
    return b2bResponse(
      200,
      page,
      'SUCCESS',
      { pagination: { totalCount: storeTokens.length, offset, limit } },
      headers,
    );
  }

  private deleteToken(request: SandboxRequest, caller: B2bToken, limits: RateLimitDecision): SandboxResponse {
    const headers = rateHeaders(limits);
    const body = parseJsonObject(request.rawBody);
    if (!body.ok) return b2bError(400, body.problem, 'API logic error', headers);
    const id = body.value.id;
    if (typeof id !== 'number' || !Number.isInteger(id))
      return b2bError(400, 'id is required and must be an integer', 'API logic error', headers);
    const target = this.tokens.get(id);
    if (!target || target.storeHash !== caller.storeHash)
      return b2bError(404, 'No matching token was found.', 'Not Found Error', headers);
    this.tokens.delete(id);
    return b2bResponse(200, [], 'SUCCESS', {}, headers);
  }

  private withAuth(
    request: SandboxRequest,
    next: (caller: B2bToken, limits: RateLimitDecision) => SandboxResponse,
  ): SandboxResponse {
    const header = request.headers.authtoken;
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return b2bError(401, NO_CREDENTIALS, NO_CREDENTIALS);
    const caller = this.byValue(value);
    if (!caller) return b2bError(401, 'Invalid token.', 'Invalid token.');
    const limits = this.limiter.consume(caller.storeHash);
    if (!limits.allowed) return this.rateLimited(limits);
    return next(caller, limits);
  }

  private byValue(token: string): B2bToken | undefined {
    return [...this.tokens.values()].find((t) => t.token === token);
  }
}

/**
 * B2B Edition's rate-limit headers. The window reset is sent as whole seconds with an `s` unit
 * (e.g. `42s`); clients should also accept a bare number of seconds.
 */
export function rateHeaders(
  decision: Pick<RateLimitDecision, 'quota' | 'remaining' | 'resetMs'>,
): Record<string, string> {
  return {
    'x-requests-allocated': String(decision.quota),
    'x-requests-remaining': String(decision.remaining),
    'x-request-window-resets-after': `${Math.ceil(decision.resetMs / 1000)}s`,
  };
}

function integerParam(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}
