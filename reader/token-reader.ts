import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { MalformedSecretError, NoPreviousTokenError, NoTokenYetError } from './errors';
import { parseStoredValue, type SecretStage } from './stored-value';

/**
 * What to send to BigCommerce: header `header` with value `value`.
 *
 * @example
 * ```ts
 * import { createTokenReader } from './reader';
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 * const token = await reader.getToken();
 * await fetch('https://store-abc123xyz-1.mybigcommerce.com/graphql', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json', [token.header]: token.value },
 *   body: JSON.stringify({ query: '{ site { settings { storeName } } }' }),
 * });
 * console.log(token); // ids, version and dates: `value` and `token` are not enumerable
 * ```
 */
export interface ReaderToken {
  /** The header name, e.g. `Authorization` or `authToken`. */
  readonly header: string;
  /**
   * The header value: `usage.valuePrefix + token`. Not enumerable, like `token`, so logging or serializing
   * the object (console.log, JSON.stringify, a structured logger) does not print the token.
   */
  readonly value: string;
  /** The token alone, for clients that add the prefix themselves (`Bearer ` for the GraphQL Storefront API). */
  readonly token: string;
  /** When BigCommerce stops accepting it; null for tokens that do not expire (B2B Edition). */
  readonly expiresAt: Date | null;
  /** The secret version it came from: pass it to `refresh()` after a 401. */
  readonly versionId: string;
  /** The staging label it was read at. */
  readonly stage: SecretStage;
  readonly tokenId: string;
  readonly family: string;
  readonly storeHash: string;
}

/**
 * The time port: tests and simulations move time without waiting.
 *
 * @example
 * ```ts
 * import { createTokenReader, type ReaderClock } from './reader';
 *
 * let now = Date.parse('2026-11-21T12:00:00Z');
 * const clock: ReaderClock = { now: () => new Date(now) };
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront', clock });
 * await reader.getToken(); // reads the secret
 * now += 5 * 60_000; // maxAgeMs later, without waiting
 * await reader.getToken(); // reads it again
 * ```
 */
export interface ReaderClock {
  now(): Date;
}

/**
 * How a reader reads: which secret, with which client, and how long one read answers. An unknown option name is
 * an error, not a silent default.
 *
 * @example
 * ```ts
 * import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
 * import { createTokenReader, type TokenReaderOptions } from './reader';
 *
 * const options: TokenReaderOptions = {
 *   secretId: 'bigcommerce/abc123xyz/headless-storefront',
 *   client: new SecretsManagerClient({ region: 'eu-central-1' }),
 *   maxAgeMs: 60_000, // notice a rotation within a minute
 * };
 * export const reader = createTokenReader(options);
 * ```
 */
export interface TokenReaderOptions {
  /** The managed token's secret: its name (`secretName` in the rotator's configuration) or ARN. */
  secretId: string;
  /** A Secrets Manager client to share; by default the reader creates one from the environment. */
  client?: SecretsManagerClient;
  /**
   * How long a read answers `getToken()` at most (default 5 minutes): how late a consumer notices a rotation.
   * Keep it below the grace period of a token whose superseded versions are revoked.
   */
  maxAgeMs?: number;
  /** Re-read this long before the token's `expiresAt` (default 60 s), in case the cache outlives it. */
  refreshBeforeExpiryMs?: number;
  /**
   * The least time between two reads answering for the same version (default 5 s): a token already inside
   * its refresh window (the rotator has not replaced it) and a token that stays refused (401s while
   * AWSCURRENT still holds it) each cost at most one read per interval.
   */
  minRefreshIntervalMs?: number;
  clock?: ReaderClock;
}

/**
 * One managed token's secret, read and cached: `getToken()` for every request, `refresh()` after a 401.
 *
 * @example
 * ```ts
 * import { createTokenReader, type ReaderToken, type TokenReader } from './reader';
 *
 * // A request with the current token, retried once with AWSCURRENT's token after a 401 if that is newer.
 * export async function withToken(reader: TokenReader, send: (token: ReaderToken) => Promise<Response>) {
 *   const token = await reader.getToken();
 *   const response = await send(token);
 *   if (response.status !== 401) return response;
 *   const fresh = await reader.refresh(token);
 *   return fresh.versionId === token.versionId ? response : send(fresh);
 * }
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 * await withToken(reader, (token) => fetch('https://example.com', { headers: { [token.header]: token.value } }));
 * ```
 */
export interface TokenReader {
  /**
   * The token at `stage` (AWSCURRENT by default), from the cache while it is fresh: younger than `maxAgeMs`
   * and not within `refreshBeforeExpiryMs` of its expiry. Concurrent callers share one read. Throws
   * NoTokenYetError before the first rotation, NoPreviousTokenError for an AWSPREVIOUS that holds no token,
   * and MalformedSecretError for a value it cannot use. When a re-read fails at AWS, the token already held
   * answers while it has not expired (and the next re-read waits `minRefreshIntervalMs`). A token past its
   * `expiresAt` is still returned when AWSCURRENT holds nothing newer (the rotator's alarms say why).
   */
  getToken(options?: { stage?: SecretStage }): Promise<ReaderToken>;
  /**
   * After BigCommerce refused `rejected` (401): the AWSCURRENT token to use instead. When the reader already
   * holds a different current version (another caller refreshed, or `rejected` was an AWSPREVIOUS token) it
   * answers with that, without a read. Otherwise it reads AWSCURRENT (one read for all concurrent callers):
   * the refused version is never answered from a read made before it was refused, since the rotator may have
   * replaced it since. When the answer has the same `versionId` as `rejected`, AWSCURRENT still holds the
   * refused token: retrying the request will not help. Budget: one read when a version is first refused,
   * then at most one per `minRefreshIntervalMs` while AWSCURRENT keeps holding it (until then that read
   * answers for it). Without `rejected`, it re-reads AWSCURRENT.
   */
  refresh(rejected?: { versionId: string }): Promise<ReaderToken>;
}

/** The options' defaults; the rotator's configuration check holds grace periods to `maxAgeMs`. */
export const READER_DEFAULTS = { maxAgeMs: 5 * 60_000, refreshBeforeExpiryMs: 60_000, minRefreshIntervalMs: 5_000 };
const OPTION_NAMES = new Set(['secretId', 'client', 'clock', ...Object.keys(READER_DEFAULTS)]);
const systemClock: ReaderClock = { now: () => new Date() };

interface Entry {
  token: ReaderToken;
  /** The order in which the read that answered was sent, among this reader's reads and refusals. */
  sent: number;
  readAtMs: number;
  /** Until when it answers getToken() without a read. */
  freshUntilMs: number;
}

/**
 * A reader for one managed token's secret. Create one per secret and keep it for the process's life: its cache
 * is what keeps reads rare.
 *
 * @example
 * ```ts
 * import { createTokenReader } from './reader';
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 * const token = await reader.getToken(); // { header, value, token, expiresAt, versionId, stage, tokenId, ... }
 * console.log(`${token.tokenId} of store ${token.storeHash}: send the ${token.header} header`);
 * ```
 */
export function createTokenReader(options: TokenReaderOptions): TokenReader {
  const settings = checkedOptions(options);
  const clock = options.clock ?? systemClock;
  let client = options.client;
  const entries = new Map<SecretStage, Entry>();
  const inFlight = new Map<SecretStage, Promise<Entry>>();
  /**
   * Reads and refusals in the order they happened (a counter, not the clock, so that the order is exact): a
   * read sent before a version was first refused says nothing of what AWSCURRENT held after the refusal.
   */
  let events = 0;
  /** The held version's first refusal (a refusal of any other version is answered with the held one). */
  let refused: { versionId: string; at: number } | undefined;
  const nowMs = () => clock.now().getTime();

  async function load(stage: SecretStage): Promise<Entry> {
    client ??= new SecretsManagerClient({});
    events += 1;
    const sent = events;
    let out: GetSecretValueCommandOutput;
    try {
      out = await client.send(new GetSecretValueCommand({ SecretId: settings.secretId, VersionStage: stage }));
    } catch (error) {
      // AWS answers ResourceNotFoundException for a staging label no version carries.
      if (stage === 'AWSPREVIOUS' && (error as Error).name === 'ResourceNotFoundException') {
        throw new NoPreviousTokenError(settings.secretId, { cause: error });
      }
      throw error;
    }
    const versionId = out.VersionId;
    if (versionId === undefined) throw new MalformedSecretError(settings.secretId, stage, undefined, 'no VersionId');
    if (out.SecretString === undefined) {
      throw new MalformedSecretError(settings.secretId, stage, versionId, 'the version holds no SecretString');
    }
    const parsed = parseStoredValue(out.SecretString);
    if (parsed.kind === 'unusable') throw new MalformedSecretError(settings.secretId, stage, versionId, parsed.problem);
    if (parsed.kind === 'placeholder') {
      throw stage === 'AWSCURRENT'
        ? new NoTokenYetError(settings.secretId, versionId)
        : new NoPreviousTokenError(settings.secretId);
    }
    const token = readerToken(parsed, versionId, stage);
    const readAtMs = nowMs();
    let freshUntilMs = readAtMs + settings.maxAgeMs;
    if (token.expiresAt) {
      const renewAtMs = token.expiresAt.getTime() - settings.refreshBeforeExpiryMs;
      freshUntilMs = Math.min(freshUntilMs, Math.max(renewAtMs, readAtMs + settings.minRefreshIntervalMs));
    }
    const entry = { token, sent, readAtMs, freshUntilMs };
    entries.set(stage, entry);
    return entry;
  }

  /** One read per stage at a time: whoever asks while it runs gets its answer, or its error. */
  function read(stage: SecretStage): Promise<Entry> {
    const running = inFlight.get(stage);
    if (running) return running;
    const started = load(stage).finally(() => inFlight.delete(stage));
    inFlight.set(stage, started);
    return started;
  }

  return {
    async getToken({ stage = 'AWSCURRENT' } = {}) {
      if (stage !== 'AWSCURRENT' && stage !== 'AWSPREVIOUS') {
        throw new TypeError(`stage must be AWSCURRENT or AWSPREVIOUS, got ${String(stage)}`);
      }
      const entry = entries.get(stage);
      const now = nowMs();
      if (entry && now < entry.freshUntilMs) return entry.token;
      try {
        return (await read(stage)).token;
      } catch (error) {
        // A re-read that AWS could not answer (throttling, a network fault, an outage) need not fail callers
        // while the token they already have still works; a value the reader cannot use is final.
        const usable = entry && (entry.token.expiresAt === null || now < entry.token.expiresAt.getTime());
        if (!usable || isAboutTheValue(error)) throw error;
        entry.freshUntilMs = now + settings.minRefreshIntervalMs;
        return entry.token;
      }
    },

    async refresh(rejected) {
      if (!rejected) return (await read('AWSCURRENT')).token;
      const cached = entries.get('AWSCURRENT');
      if (cached && cached.token.versionId !== rejected.versionId) return cached.token;
      if (refused?.versionId !== rejected.versionId) {
        events += 1;
        refused = { versionId: rejected.versionId, at: events };
      }
      const refusedAt = refused.at;
      // A read sent after the first refusal that still found the refused version answers for it until
      // minRefreshIntervalMs has passed: a token that stays refused costs one read per interval, not one per 401.
      const recent = cached && cached.sent > refusedAt && nowMs() - cached.readAtMs < settings.minRefreshIntervalMs;
      if (cached && recent && !inFlight.has('AWSCURRENT')) return cached.token;
      let entry = await read('AWSCURRENT');
      // The read joined may have been sent before the refusal (a getToken() re-read): its answer is no proof.
      if (entry.token.versionId === rejected.versionId && entry.sent < refusedAt) entry = await read('AWSCURRENT');
      return entry.token;
    },
  };
}

function isAboutTheValue(error: unknown): boolean {
  return (
    error instanceof NoTokenYetError || error instanceof NoPreviousTokenError || error instanceof MalformedSecretError
  );
}

function readerToken(
  stored: Extract<ReturnType<typeof parseStoredValue>, { kind: 'token' }>,
  versionId: string,
  stage: SecretStage,
): ReaderToken {
  const token = {
    header: stored.header,
    expiresAt: stored.expiresAt,
    versionId,
    stage,
    tokenId: stored.tokenId,
    family: stored.family,
    storeHash: stored.storeHash,
  };
  Object.defineProperties(token, {
    value: { value: stored.valuePrefix + stored.token, enumerable: false },
    token: { value: stored.token, enumerable: false },
  });
  return Object.freeze(token) as ReaderToken;
}

/** Unknown option names are errors, so a misspelt `maxAgeMS` does not silently keep the default. */
function checkedOptions(
  options: TokenReaderOptions,
): Required<Pick<TokenReaderOptions, 'secretId'>> & typeof READER_DEFAULTS {
  if (typeof options !== 'object' || options === null) throw new TypeError('createTokenReader needs an options object');
  const unknown = Object.keys(options).filter((key) => !OPTION_NAMES.has(key));
  if (unknown.length > 0) throw new TypeError(`createTokenReader: unknown option(s) ${unknown.join(', ')}`);
  if (typeof options.secretId !== 'string' || options.secretId.length === 0) {
    throw new TypeError('createTokenReader: secretId must be a non-empty string');
  }
  const settings = { secretId: options.secretId, ...READER_DEFAULTS };
  for (const key of Object.keys(READER_DEFAULTS) as (keyof typeof READER_DEFAULTS)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`createTokenReader: ${key} must be a finite number of milliseconds, at least 0`);
    }
    settings[key] = value;
  }
  return settings;
}
