import type { StorefrontGraphqlClient } from '../bigcommerce/storefront-graphql';
import type { CreateStorefrontTokenRequest, StorefrontTokensClient } from '../bigcommerce/storefront-tokens';
import { formatDuration } from '../config/duration';
import type { StorefrontFamily, StorefrontManagedToken } from '../config/types';
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
import { describeError } from '../observability/redaction';
import { explainAccountError, withAccessToken } from './credentials';

const SCOPE_BY_FAMILY: Record<StorefrontFamily, string> = {
  'storefront-private': 'Storefront API Tokens (store_storefront_api)',
  storefront: 'Storefront API Tokens (store_storefront_api)',
  'customer-impersonation':
    'Storefront API Customer Impersonation Tokens (store_storefront_api_customer_impersonation)',
};

/**
 * Private, storefront and customer-impersonation tokens. We choose the lifetime (`expires_at`); a new
 * token is proven with `{ site { settings { storeName } } }` on its first channel; superseded tokens are
 * revoked after the grace period only when configured, as BigCommerce advises letting them expire.
 */
export class StorefrontFamilyAdapter implements FamilyAdapter<StorefrontManagedToken> {
  constructor(
    readonly family: StorefrontFamily,
    private readonly tokens: StorefrontTokensClient,
    private readonly graphql: StorefrontGraphqlClient,
  ) {}

  policy(target: StorefrontManagedToken): RotationPolicy {
    return { kind: 'expiring', renewBeforeSeconds: target.renewBeforeSeconds };
  }

  drift(target: StorefrontManagedToken, stored: StoredToken): string | undefined {
    const differs = (field: string, wanted: readonly unknown[]): string | undefined => {
      const have = stored.details[field];
      return Array.isArray(have) && sameSet(have, wanted) ? undefined : `${field} is now ${JSON.stringify(wanted)}`;
    };
    return (
      differs('channelIds', target.channelIds) ??
      (target.family === 'storefront-private' ? differs('scopes', target.scopes) : undefined) ??
      (target.family === 'storefront' ? differs('allowedCorsOrigins', target.allowedCorsOrigins) : undefined)
    );
  }

  async mint(target: StorefrontManagedToken, context: FamilyContext, mintedAt: Date): Promise<MintedToken> {
    const expiresAt = Math.floor(mintedAt.getTime() / 1000) + target.lifetimeSeconds;
    const request = requestFor(target, expiresAt);
    try {
      const token = await withAccessToken(context, target.storeHash, (accessToken) =>
        this.tokens.create(target.storeHash, accessToken, request),
      );
      const { kind: _kind, expiresAt: _expiresAt, ...details } = request;
      return {
        token,
        expiresAt: new Date(expiresAt * 1000),
        usage: { header: 'Authorization', valuePrefix: 'Bearer ' },
        details,
      };
    } catch (error) {
      throw explainAccountError(error, SCOPE_BY_FAMILY[target.family]);
    }
  }

  async verify(target: StorefrontManagedToken, stored: StoredToken, context: FamilyContext): Promise<void> {
    const storeName = await this.graphql.storeName({
      storeHash: target.storeHash,
      channelId: target.channelIds[0] as number,
      token: stored.token,
      ...(target.family === 'storefront' ? { origin: target.allowedCorsOrigins[0] } : {}),
    });
    context.log.debug('new token verified', { tokenId: target.id, storeName });
  }

  async revokeMinted(target: StorefrontManagedToken, stored: StoredToken, context: FamilyContext): Promise<string> {
    if (target.family === 'customer-impersonation') {
      throw new Error('customer impersonation tokens cannot be revoked: BigCommerce documents no revocation for them');
    }
    try {
      await withAccessToken(context, target.storeHash, (accessToken) =>
        this.tokens.revoke(target.storeHash, accessToken, stored.token),
      );
    } catch (error) {
      throw explainAccountError(error, SCOPE_BY_FAMILY[target.family]);
    }
    return `the token minted ${stored.mintedAt}, which lost the promotion to another run's`;
  }

  /**
   * The superseded token can be revoked once the current one has been current for the grace period, counted
   * from the moment it certainly became current (`currentSince`, promotion.ts): never in the run that promoted it.
   */
  cleanupDue(target: StorefrontManagedToken, facts: CleanupFacts): boolean {
    if (facts.cleaned || facts.justRotated || !facts.currentSince) return false;
    if (target.family === 'customer-impersonation' || !target.revokeSuperseded) return false;
    return secondsSince(facts.currentSince, facts.now) >= target.revokeSuperseded.gracePeriodSeconds;
  }

  wantsCleanup(target: StorefrontManagedToken): boolean {
    return target.family !== 'customer-impersonation' && target.revokeSuperseded !== undefined;
  }

  /** Revokes the AWSPREVIOUS token once the current one has been current for the grace period. */
  async cleanup(target: StorefrontManagedToken, state: CleanupState, context: FamilyContext): Promise<CleanupReport> {
    const report: CleanupReport = { revoked: [], failures: [] };
    if (target.family === 'customer-impersonation' || !target.revokeSuperseded) return report;
    const { previous, current } = state;
    // Only a token this product minted for this managed token is ever revoked.
    if (!previous?.stored || previous.revoked || !current.stored || !state.currentSince) return report;
    if (previous.stored.expiresAt && Date.parse(previous.stored.expiresAt) <= state.now.getTime()) return report;
    const supersededFor = secondsSince(state.currentSince, state.now);
    if (supersededFor < target.revokeSuperseded.gracePeriodSeconds) return report;

    const description = `the superseded token of version ${previous.versionId} (minted ${previous.stored.mintedAt}, superseded at least ${formatDuration(Math.floor(supersededFor))} ago)`;
    if (state.dryRun) return { revoked: [{ description, versionId: previous.versionId }], failures: [] };
    const token = previous.stored.token;
    try {
      await withAccessToken(context, target.storeHash, (accessToken) =>
        this.tokens.revoke(target.storeHash, accessToken, token),
      );
      report.revoked.push({ description, versionId: previous.versionId });
    } catch (error) {
      report.failures.push({
        description,
        error: describeError(explainAccountError(error, SCOPE_BY_FAMILY[target.family])).message,
      });
    }
    return report;
  }
}

function secondsSince(since: Date, now: Date): number {
  return (now.getTime() - since.getTime()) / 1000;
}

function requestFor(target: StorefrontManagedToken, expiresAt: number): CreateStorefrontTokenRequest {
  switch (target.family) {
    case 'storefront-private':
      return { kind: 'private', expiresAt, channelIds: target.channelIds, scopes: target.scopes };
    case 'storefront':
      return {
        kind: 'storefront',
        expiresAt,
        channelIds: target.channelIds,
        allowedCorsOrigins: target.allowedCorsOrigins,
      };
    case 'customer-impersonation':
      return { kind: 'customer-impersonation', expiresAt, channelIds: target.channelIds };
  }
}

function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
