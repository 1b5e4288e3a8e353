import type { B2bTokenInfo, B2bTokensClient } from '../bigcommerce/b2b-tokens';
import { BigCommerceApiError } from '../bigcommerce/errors';
import { formatDuration } from '../config/duration';
import type { B2bBackendToken } from '../config/types';
import { describeError, redactor } from '../observability/redaction';
import type { RotationPolicy } from '../rotation/due';
import type {
  CleanupFacts,
  CleanupReport,
  CleanupState,
  FamilyAdapter,
  FamilyContext,
  MintedToken,
} from '../rotation/family';
import type { StoredToken } from '../rotation/stored-token';

/** Start of every token name this product gives: `bctr/<tokenId>/<minted, UTC>`, at most 62 characters. */
export const OWNERSHIP_PREFIX = 'bctr';
const MARK = new RegExp(`^${OWNERSHIP_PREFIX}/([a-z0-9-]{1,40})/(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})(\\d{2})Z$`);

/** The name that marks a token as minted by this product for `tokenId` at `mintedAt`. */
export function ownershipName(tokenId: string, mintedAt: Date): string {
  const stamp = mintedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${OWNERSHIP_PREFIX}/${tokenId}/${stamp}`;
}

/** The mark in a token name, or undefined when the name is not one this product gives. */
export function parseOwnership(name: string): { tokenId: string; mintedAt: Date } | undefined {
  const m = MARK.exec(name);
  if (!m) return undefined;
  const [, tokenId, y, mo, d, h, mi, s] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const mintedAt = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  return Number.isNaN(mintedAt.getTime()) ? undefined : { tokenId, mintedAt };
}

/**
 * Exactly the tokens to revoke: those carrying this managed token's mark, that are neither of the values
 * kept (AWSCURRENT, AWSPREVIOUS), and whose mark is older than the grace period. A token without the mark
 * is never selected, whoever's email it carries.
 */
export function staleB2bTokens(
  tokens: B2bTokenInfo[],
  rule: { tokenId: string; keep: (string | undefined)[]; now: Date; gracePeriodSeconds: number },
): B2bTokenInfo[] {
  return tokens.filter((t) => {
    const mark = parseOwnership(t.name);
    if (!mark || mark.tokenId !== rule.tokenId) return false;
    if (rule.keep.includes(t.token)) return false;
    return rule.now.getTime() - mark.mintedAt.getTime() >= rule.gracePeriodSeconds * 1000;
  });
}

/**
 * B2B Edition server-to-server (`authToken`) tokens. They never expire, so a new one is minted each
 * rotation period with the backend user's login, proven by listing itself, and stale tokens this product
 * minted are revoked after the grace period (a crashed run's orphan included: it carries the mark).
 */
export class B2bBackendFamilyAdapter implements FamilyAdapter<B2bBackendToken> {
  readonly family = 'b2b-backend' as const;
  /**
   * The store's token list as seen with one token, per invocation (an adapter lives for one): mint, verify and
   * clean up of one rotation need the same list, and a list is a paged call against a per-store quota.
   */
  private readonly lists = new Map<string, Promise<B2bTokenInfo[]>>();

  constructor(private readonly client: B2bTokensClient) {}

  policy(target: B2bBackendToken): RotationPolicy {
    return { kind: 'period', rotationPeriodSeconds: target.rotationPeriodSeconds };
  }

  async mint(target: B2bBackendToken, context: FamilyContext, mintedAt: Date): Promise<MintedToken> {
    const name = ownershipName(target.id, mintedAt);
    const created = await this.withLogin(target, context, (login) =>
      this.client.create({ storeHash: target.storeHash, email: login.email, password: login.password, name }),
    );
    redactor.add(created.token);
    // The create answer has no id; the list has. Best effort: the id is a convenience for consumers.
    let id: number | null = null;
    try {
      id = (await this.list(target.storeHash, created.token)).find((t) => t.token === created.token)?.id ?? null;
    } catch (error) {
      context.log.warn('could not look up the new B2B token id', { tokenId: target.id, error: describeError(error) });
    }
    return {
      token: created.token,
      expiresAt: null,
      usage: { header: 'authToken', valuePrefix: '' },
      details: { name, id },
    };
  }

  async verify(target: B2bBackendToken, stored: StoredToken): Promise<void> {
    const listed = await this.list(target.storeHash, stored.token);
    if (!listed.some((t) => t.token === stored.token))
      throw new Error('the new token authenticated but is not in the store’s token list');
  }

  /** Deletes a token this run minted with its own credentials: it is the one token known to work. */
  async revokeMinted(target: B2bBackendToken, stored: StoredToken): Promise<string> {
    const id = typeof stored.details.id === 'number' ? stored.details.id : undefined;
    const name = String(stored.details.name);
    if (id === undefined)
      throw new Error(`the id of B2B token "${name}" is unknown; the cleanup revokes it after the grace period`);
    await this.client.delete(target.storeHash, stored.token, id);
    return `B2B token "${name}" (id ${id}), which lost the promotion to another run's`;
  }

  /**
   * Right after a rotation (older tokens may be past their grace period); after an attempt that may have
   * minted a token it could not store (until the next rotation, so its orphan is revoked once past the grace
   * period); and once when the current token has been in place for the grace period (the token it superseded
   * is past its own by then). Other runs make no call to BigCommerce for it.
   */
  cleanupDue(target: B2bBackendToken, facts: CleanupFacts): boolean {
    if (facts.justRotated || facts.attemptSince) return true;
    if (facts.cleaned || !facts.current) return false;
    return facts.now.getTime() - Date.parse(facts.current.mintedAt) >= target.gracePeriodSeconds * 1000;
  }

  async cleanup(target: B2bBackendToken, state: CleanupState): Promise<CleanupReport> {
    const report: CleanupReport = { revoked: [], failures: [] };
    // Listing needs a token of ours that works: the current one.
    const authToken = state.current.stored?.token;
    if (!authToken) return report;
    const listed = await this.list(target.storeHash, authToken);
    const stale = staleB2bTokens(listed, {
      tokenId: target.id,
      keep: [authToken, state.previous?.stored?.token],
      now: state.now,
      gracePeriodSeconds: target.gracePeriodSeconds,
    });
    for (const token of stale) {
      const description = `B2B token "${token.name}" (id ${token.id}), older than the ${formatDuration(target.gracePeriodSeconds)} grace period`;
      if (state.dryRun) {
        report.revoked.push({ description });
        continue;
      }
      try {
        const result = await this.client.delete(target.storeHash, authToken, token.id);
        if (result === 'deleted') report.revoked.push({ description });
      } catch (error) {
        report.failures.push({ description, error: describeError(error).message });
      }
    }
    return report;
  }

  /** Lists once per token and invocation; a failed list is not kept, so the next use lists again. */
  private list(storeHash: string, authToken: string): Promise<B2bTokenInfo[]> {
    const key = `${storeHash}\n${authToken}`;
    const cached = this.lists.get(key);
    if (cached) return cached;
    const listing = this.client.listAll(storeHash, authToken);
    this.lists.set(key, listing);
    listing.catch(() => this.lists.delete(key));
    return listing;
  }

  /** The backend user's login; refused credentials are re-read once, in case the operator just changed them. */
  private async withLogin<R>(
    target: B2bBackendToken,
    context: FamilyContext,
    work: (login: { email: string; password: string }) => Promise<R>,
  ): Promise<R> {
    try {
      return await work(await context.credentials.b2bLogin(target.storeHash));
    } catch (error) {
      if (!(error instanceof BigCommerceApiError) || error.status !== 400) throw error;
      context.credentials.invalidate(target.storeHash);
      return await work(await context.credentials.b2bLogin(target.storeHash));
    }
  }
}
