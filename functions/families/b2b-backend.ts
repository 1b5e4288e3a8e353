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
import { ownershipName, staleB2bTokens } from './b2b-ownership';

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

  /** `owner`: this deployment's owner in the ownership marks (stackOwner). */
  constructor(
    private readonly client: B2bTokensClient,
    private readonly owner: string,
  ) {}

  policy(target: B2bBackendToken): RotationPolicy {
    return { kind: 'period', rotationPeriodSeconds: target.rotationPeriodSeconds };
  }

  async mint(target: B2bBackendToken, context: FamilyContext, mintedAt: Date): Promise<MintedToken> {
    const name = ownershipName(this.owner, target.id, mintedAt);
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
    const { own, legacy } = staleB2bTokens(listed, {
      owner: this.owner,
      tokenId: target.id,
      keep: [authToken, state.previous?.stored?.token],
      now: state.now,
      gracePeriodSeconds: target.gracePeriodSeconds,
    });
    // A legacy mark names no stack: the token is this stack's only if its secret has held it.
    const held = legacy.length > 0 ? new Set((await state.pastTokens()).map((t) => t.token)) : new Set();
    for (const token of [...own, ...legacy.filter((t) => held.has(t.token))]) {
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
