import { createHash } from 'node:crypto';
import type { B2bTokenInfo } from '../bigcommerce/b2b-tokens';

/**
 * The ownership mark in the name of every B2B token this product mints: which deployment (the stack, in its
 * account and Region) minted it, for which managed token, and when. Two stacks, or one stack's copies in two
 * environments, that manage one store under the same token id see each other's tokens in the store's list;
 * each revokes only those marked with its own owner.
 *
 * `bctr/<owner>/<tokenId>/<YYMMDDhhmmss, UTC>`, at most 64 characters (BigCommerce documents no maximum for a
 * name; the sandbox enforces 64). Versions before the owner wrote `bctr/<tokenId>/<YYYYMMDDThhmmssZ>`: such a
 * legacy mark names no stack, so it counts as this stack's only when the token is one this stack's secret has
 * held (see staleB2bTokens).
 */
export const OWNERSHIP_PREFIX = 'bctr';
const OWNER_LENGTH = 5;
const MARK = new RegExp(
  `^${OWNERSHIP_PREFIX}/([a-z0-9]{${OWNER_LENGTH}})/([a-z0-9-]{1,40})/(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})$`,
);
const LEGACY_MARK = new RegExp(
  `^${OWNERSHIP_PREFIX}/([a-z0-9-]{1,40})/(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})(\\d{2})Z$`,
);

/**
 * The owner in this deployment's marks: five base-36 characters of a digest of its account, Region and stack
 * name (ROTATOR_STACK_NAME; empty in a local run), the same for every function of the stack and across its
 * updates. The account and Region come from the function's own ARN.
 */
export function stackOwner(stackName: string, functionArn: string | undefined): string {
  // Lambda always gives the ARN; a hand-made context may not, and its run still gets an owner.
  const [, , , region, account] = (functionArn ?? '').split(':');
  const digest = createHash('sha256').update(`${account}/${region}/${stackName}`).digest();
  return (digest.readUInt32BE(0) % 36 ** OWNER_LENGTH).toString(36).padStart(OWNER_LENGTH, '0');
}

/** The name that marks a token as minted by `owner` for `tokenId` at `mintedAt`. */
export function ownershipName(owner: string, tokenId: string, mintedAt: Date): string {
  const stamp = mintedAt.toISOString().slice(2, 19).replace(/[-:T]/g, '');
  return `${OWNERSHIP_PREFIX}/${owner}/${tokenId}/${stamp}`;
}

export interface OwnershipMark {
  /** Undefined for a legacy mark, which names no owner. */
  owner: string | undefined;
  tokenId: string;
  mintedAt: Date;
}

/** The mark in a token name, or undefined when the name is not one this product gives. */
export function parseOwnership(name: string): OwnershipMark | undefined {
  const current = MARK.exec(name);
  const legacy = current ? undefined : LEGACY_MARK.exec(name);
  const m = current ?? legacy;
  if (!m) return undefined;
  const [owner, tokenId, ...parts] = current ? m.slice(1) : [undefined, ...m.slice(1)];
  const [y, mo, d, h, mi, s] = parts.map(Number) as [number, number, number, number, number, number];
  const mintedAt = new Date(Date.UTC(current ? 2000 + y : y, mo - 1, d, h, mi, s));
  // Date.UTC rolls an impossible date over (month 13, 31 February): such a name is not one this product gave.
  const exact = mintedAt.getUTCMonth() === mo - 1 && mintedAt.getUTCDate() === d && mintedAt.getUTCHours() === h;
  return exact && mintedAt.getUTCMinutes() === mi && mintedAt.getUTCSeconds() === s
    ? { owner, tokenId: tokenId as string, mintedAt }
    : undefined;
}

export interface StaleRule {
  owner: string;
  tokenId: string;
  keep: (string | undefined)[];
  now: Date;
  gracePeriodSeconds: number;
}

/**
 * The tokens past their grace period that carry this managed token's mark and are neither of the values kept
 * (AWSCURRENT, AWSPREVIOUS): `own`, marked with this owner, to revoke; `legacy`, with a mark that names no
 * owner, to revoke only once shown to be this stack's (a token its secret has held). A token without the mark,
 * or with another owner's, is never selected, whoever's email it carries.
 */
export function staleB2bTokens(
  tokens: B2bTokenInfo[],
  rule: StaleRule,
): { own: B2bTokenInfo[]; legacy: B2bTokenInfo[] } {
  const stale = tokens.flatMap((t) => {
    const mark = parseOwnership(t.name);
    if (!mark || mark.tokenId !== rule.tokenId || rule.keep.includes(t.token)) return [];
    if (mark.owner !== undefined && mark.owner !== rule.owner) return [];
    return rule.now.getTime() - mark.mintedAt.getTime() >= rule.gracePeriodSeconds * 1000 ? [{ t, mark }] : [];
  });
  return {
    own: stale.filter(({ mark }) => mark.owner !== undefined).map(({ t }) => t),
    legacy: stale.filter(({ mark }) => mark.owner === undefined).map(({ t }) => t),
  };
}
