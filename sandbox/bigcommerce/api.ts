import type { SandboxClock } from '../clock';
import type { Fault } from '../faults';
import type { SandboxApi, SandboxRequest, SandboxResponse } from '../http';
import { JwtSigner } from '../jwt';
import { FixedWindowLimiter, type RateLimitDecision, type RateLimitPolicy } from '../rate-limit';
import { Accounts, SCOPES, type Store, TOKEN_CREATION_SCOPES, randomAlphanumeric } from './accounts';
import { B2B_BASE_PATH, B2bEdition, DEFAULT_B2B_RATE_LIMIT } from './b2b';
import { reasonPhrase, v3Error } from './errors';
import { GRAPHQL_PATH, handleGraphql } from './graphql';
import { type HostileMode, makeHostile, validateHostileMode } from './hostile';
import { StoredInstrumentTokens, type StoredInstrumentTokenOptions } from './stored-instruments';
import { StorefrontTokens } from './storefront-tokens';

/** Plus & Standard plans: 150 requests per 30 seconds per store. */
export const DEFAULT_CORE_RATE_LIMIT: RateLimitPolicy = { quota: 150, windowMs: 30_000 };

export interface StoreSeed {
  storeHash?: string;
  storeName?: string;
  storeId?: number;
  channelIds?: number[];
  /** The store-level API account token with every token-creation scope; random when omitted. */
  accessToken?: string;
  /** The store-level API account token without token-creation scopes; random when omitted. */
  limitedAccessToken?: string;
  /**
   * The B2B Edition admin's login; random password when omitted. Any text is accepted, so tests can use
   * passwords a client must escape (quotes, backslashes) or ones too short for a length-based redactor.
   */
  b2bAdmin?: { email?: string; password?: string };
}

export interface BigCommerceOptions {
  /** Stores to create; one default store when omitted. */
  stores?: StoreSeed[];
  rateLimit?: RateLimitPolicy;
  b2bRateLimit?: RateLimitPolicy;
  storedInstrumentTokens?: Partial<StoredInstrumentTokenOptions>;
  /** Start in hostile mode: every error answer echoes the request that caused it (see `setHostile`). */
  hostile?: HostileMode;
}

/** What a seeded store gives its users: everything needed to call the sandbox as a real client would. */
export interface SeededStore {
  storeHash: string;
  storeName: string;
  channelIds: number[];
  /** Store-level API account token with every token-creation scope. */
  accessToken: string;
  /** Store-level API account token with none of the token-creation scopes. */
  limitedAccessToken: string;
  /** B2B Edition backend user allowed to create server-to-server tokens. */
  b2bAdmin: { email: string; password: string };
}

interface CoreRoute {
  method: string;
  path: string;
  /** The endpoint accepts an account with any of these scopes. */
  scopes: readonly string[];
  handle(request: SandboxRequest, store: Store): SandboxResponse;
}

const CORE_PATH = /^\/stores\/([^/]+)\/v3(\/.*)$/;

/** The simulated BigCommerce: core v3 REST API, GraphQL Storefront API and B2B Edition REST API. */
export class BigCommerceApi implements SandboxApi {
  readonly contentType = 'application/json';
  readonly accounts = new Accounts();
  readonly storefrontTokens: StorefrontTokens;
  readonly storedInstrumentTokens: StoredInstrumentTokens;
  readonly b2b: B2bEdition;
  readonly coreLimiter: FixedWindowLimiter;
  readonly seeded: SeededStore[] = [];
  private readonly routes: CoreRoute[];
  private hostile: HostileMode | undefined;

  constructor(clock: SandboxClock, options: BigCommerceOptions = {}) {
    const signer = new JwtSigner();
    this.storefrontTokens = new StorefrontTokens(clock, signer);
    this.storedInstrumentTokens = new StoredInstrumentTokens(clock, signer);
    if (options.storedInstrumentTokens) this.storedInstrumentTokens.configure(options.storedInstrumentTokens);
    this.b2b = new B2bEdition(clock, signer, this.accounts, options.b2bRateLimit ?? DEFAULT_B2B_RATE_LIMIT);
    this.coreLimiter = new FixedWindowLimiter(clock, options.rateLimit ?? DEFAULT_CORE_RATE_LIMIT);
    this.routes = [
      {
        method: 'POST',
        path: '/storefront/api-token',
        scopes: [SCOPES.storefrontTokens],
        handle: (r, s) => this.storefrontTokens.mint('storefront', r, s),
      },
      {
        method: 'DELETE',
        path: '/storefront/api-token',
        scopes: [SCOPES.storefrontTokens, SCOPES.customerImpersonationTokens],
        handle: (r, s) => this.storefrontTokens.revoke(r, s),
      },
      {
        method: 'POST',
        path: '/storefront/api-token-private',
        scopes: [SCOPES.storefrontTokens],
        handle: (r, s) => this.storefrontTokens.mint('private', r, s),
      },
      {
        method: 'POST',
        path: '/storefront/api-token-customer-impersonation',
        scopes: [SCOPES.customerImpersonationTokens],
        handle: (r, s) => this.storefrontTokens.mint('customer-impersonation', r, s),
      },
      {
        method: 'POST',
        path: '/payments/stored-instruments/access-tokens',
        scopes: [SCOPES.createPayments],
        handle: (_r, s) => this.storedInstrumentTokens.mint(s),
      },
    ];
    if (options.hostile) this.setHostile(options.hostile);
    for (const seed of options.stores ?? [{}]) this.seedStore(seed);
  }

  /**
   * Hostile mode on (a mode) or off (undefined): while on, every error answer (401, 403, 404, 409, 422, 429,
   * injected 5xx, B2B Edition errors) echoes the request that caused it, credentials included, in the chosen
   * form, where BigCommerce puts its words. Real error bodies are untrusted text; this is how a client is
   * tested for what it does with them.
   */
  setHostile(mode: HostileMode | undefined): void {
    this.hostile = mode === undefined ? undefined : validateHostileMode(mode);
  }

  get hostileMode(): HostileMode | undefined {
    return this.hostile;
  }

  /** Adds a store with a full and a limited API account and a B2B admin; random secrets throughout. */
  seedStore(seed: StoreSeed = {}): SeededStore {
    const store = this.accounts.addStore({
      storeHash: seed.storeHash ?? randomAlphanumeric(10),
      storeId: seed.storeId ?? 1_000_000_000 + this.seeded.length,
      storeName: seed.storeName ?? 'Sandbox Outfitters',
      channelIds: seed.channelIds ?? [1, 2],
    });
    const full = this.accounts.addApiAccount(store.storeHash, TOKEN_CREATION_SCOPES, seed.accessToken);
    const limited = this.accounts.addApiAccount(
      store.storeHash,
      ['store_v2_products_read_only'],
      seed.limitedAccessToken,
    );
    const b2bAdmin = {
      email: seed.b2bAdmin?.email ?? `b2b-admin@${store.storeHash}.example`,
      password: seed.b2bAdmin?.password ?? randomAlphanumeric(20),
    };
    this.b2b.addUser({ storeHash: store.storeHash, ...b2bAdmin, role: 'Administrator' });
    // Tokens other people and integrations made: a rotator must never touch them.
    this.b2b.addToken({
      storeHash: store.storeHash,
      email: b2bAdmin.email,
      name: 'ERP connector',
      eventChannel: 'app',
    });
    this.b2b.addToken({
      storeHash: store.storeHash,
      email: `ops@${store.storeHash}.example`,
      name: 'Control panel export',
      eventChannel: 'admin',
    });
    const seeded: SeededStore = {
      storeHash: store.storeHash,
      storeName: store.storeName,
      channelIds: [...store.channelIds],
      accessToken: full.accessToken,
      limitedAccessToken: limited.accessToken,
      b2bAdmin,
    };
    this.seeded.push(seeded);
    return seeded;
  }

  handle(request: SandboxRequest): SandboxResponse {
    return this.answer(request, this.route(request));
  }

  private route(request: SandboxRequest): SandboxResponse {
    const core = CORE_PATH.exec(request.path);
    if (core) return this.handleCore(request, core[1] as string, core[2] as string);
    if (request.path === B2B_BASE_PATH || request.path.startsWith(`${B2B_BASE_PATH}/`))
      return this.b2b.handle(request, request.path.slice(B2B_BASE_PATH.length));
    if (GRAPHQL_PATH.test(request.path)) return handleGraphql(request, this.accounts, this.storefrontTokens);
    return v3Error(404, `No route ${request.path}`);
  }

  faultResponse(
    fault: Extract<Fault, { kind: 'status' } | { kind: 'rate-limit' }>,
    request: SandboxRequest,
  ): SandboxResponse {
    return this.answer(request, this.faultAnswer(fault, request));
  }

  private faultAnswer(
    fault: Extract<Fault, { kind: 'status' } | { kind: 'rate-limit' }>,
    request: SandboxRequest,
  ): SandboxResponse {
    const b2b = request.path.startsWith(B2B_BASE_PATH);
    if (fault.kind === 'rate-limit') {
      if (b2b) return this.b2b.rateLimited({ quota: this.b2b.limiter.policy.quota, resetMs: 1000 });
      const { quota, windowMs } = this.coreLimiter.policy;
      return v3Error(
        429,
        'Too many requests',
        undefined,
        coreRateHeaders({ quota, windowMs, remaining: 0, resetMs: 1000 }),
      );
    }
    const reason = reasonPhrase(fault.status);
    return b2b
      ? { status: fault.status, body: { code: fault.status, data: { errMsg: reason }, meta: { message: reason } } }
      : v3Error(fault.status, reason);
  }

  control(request: SandboxRequest): SandboxResponse | undefined {
    if (request.method === 'GET' && request.path === '/__sandbox/tokens') {
      return {
        status: 200,
        body: {
          storefront: this.storefrontTokens.issued(),
          storedInstruments: this.storedInstrumentTokens.issued(),
          b2b: this.b2b.allTokens(),
        },
      };
    }
    if (request.method === 'GET' && request.path === '/__sandbox/stores')
      return { status: 200, body: { stores: this.seeded } };
    if (request.path === '/__sandbox/hostile') {
      if (request.method === 'PUT') {
        this.setHostile(validateHostileMode(JSON.parse(request.rawBody)));
        return { status: 200, body: { hostile: this.hostile } };
      }
      if (request.method === 'DELETE') {
        this.setHostile(undefined);
        return { status: 204 };
      }
      if (request.method === 'GET') return { status: 200, body: { hostile: this.hostile ?? null } };
    }
    return undefined;
  }

  /** Every answer leaves through here, so hostile mode reaches every error the simulator sends. */
  private answer(request: SandboxRequest, response: SandboxResponse): SandboxResponse {
    return this.hostile ? makeHostile(this.hostile, response, request) : response;
  }

  private handleCore(request: SandboxRequest, storeHash: string, path: string): SandboxResponse {
    const store = this.accounts.store(storeHash);
    if (!store) return v3Error(404, `Store ${storeHash} not found`);
    const candidates = this.routes.filter((r) => r.path === path);
    if (candidates.length === 0) return v3Error(404, `No route ${path}`);
    const route = candidates.find((r) => r.method === request.method);
    if (!route)
      return v3Error(405, `${request.method} is not allowed on ${path}`, undefined, {
        allow: candidates.map((r) => r.method).join(', '),
      });

    const limits = this.coreLimiter.consume(storeHash);
    const headers = coreRateHeaders(limits);
    if (!limits.allowed) return v3Error(429, 'Too many requests', undefined, headers);
    const auth = this.accounts.authorize(request, storeHash, route.scopes);
    if ('denied' in auth) return withHeaders(auth.denied, headers);
    const contentType = request.headers['content-type'];
    if (request.rawBody.length > 0 && contentType !== undefined && !/^application\/json\b/i.test(contentType)) {
      return v3Error(415, 'Content-Type must be application/json', undefined, headers);
    }
    return withHeaders(route.handle(request, store), headers);
  }
}

/** BigCommerce's `X-Rate-Limit-*` headers on every core API response. */
export function coreRateHeaders(
  decision: Pick<RateLimitDecision, 'quota' | 'remaining' | 'windowMs' | 'resetMs'>,
): Record<string, string> {
  return {
    'x-rate-limit-time-window-ms': String(decision.windowMs),
    'x-rate-limit-time-reset-ms': String(decision.resetMs),
    'x-rate-limit-requests-quota': String(decision.quota),
    'x-rate-limit-requests-left': String(Math.max(0, decision.remaining)),
  };
}

function withHeaders(response: SandboxResponse, headers: Record<string, string>): SandboxResponse {
  return { ...response, headers: { ...headers, ...response.headers } };
}
