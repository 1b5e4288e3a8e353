import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { STAGES, type SecretDescription, stageHolder } from '../functions/rotation/secret-store';
import { B2bTokensClient } from '../functions/bigcommerce/b2b-tokens';
import { DEFAULT_ENDPOINTS } from '../functions/bigcommerce/endpoints';
import { BigCommerceHttp } from '../functions/bigcommerce/http';
import { StorefrontGraphqlClient } from '../functions/bigcommerce/storefront-graphql';
import { StorefrontTokensClient } from '../functions/bigcommerce/storefront-tokens';
import { StoredInstrumentsClient } from '../functions/bigcommerce/stored-instruments';
import type { ManagedToken, TokenFamily } from '../functions/config/types';
import { B2bBackendFamilyAdapter } from '../functions/families/b2b-backend';
import { StorefrontFamilyAdapter } from '../functions/families/storefront';
import { StoredInstrumentsFamilyAdapter } from '../functions/families/stored-instruments';
import { redactor } from '../functions/observability/redaction';
import { claimState, parseClaim } from '../functions/rotation/claim';
import { pausedBecause } from '../functions/rotation/decisions';
import { decideDue } from '../functions/rotation/due';
import type { FamilyAdapter } from '../functions/rotation/family';
import { PLACEHOLDER_STATUS, parseStoredToken, type StoredToken } from '../functions/rotation/stored-token';

/**
 * The status's whole view of Secrets Manager: listing, describing and reading versions. It has no way to
 * write, so the status can never disturb a rotation.
 */
export interface SecretReader {
  /** Secrets whose name starts with `prefix`, by name (one call per hundred secrets). */
  list(prefix: string): Promise<Map<string, SecretDescription>>;
  /** Undefined when the secret does not exist. */
  describe(name: string): Promise<SecretDescription | undefined>;
  read(name: string, versionId: string): Promise<string | undefined>;
  /** Each secret's AWSCURRENT version id and value, 20 secrets a call; names it could not read are absent. */
  readCurrentMany(names: string[]): Promise<Map<string, { versionId: string; text: string | undefined }>>;
}

export class SecretsManagerReader implements SecretReader {
  constructor(private readonly client: SecretsManagerClient) {}

  async list(prefix: string): Promise<Map<string, SecretDescription>> {
    const found = new Map<string, SecretDescription>();
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 100, NextToken: nextToken }),
      );
      for (const s of page.SecretList ?? []) {
        if (!s.Name) continue;
        found.set(s.Name, { arn: s.ARN ?? s.Name, name: s.Name, versions: versionsOf(s.SecretVersionsToStages) });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return found;
  }

  async describe(name: string): Promise<SecretDescription | undefined> {
    try {
      const out = await this.client.send(new DescribeSecretCommand({ SecretId: name }));
      return { arn: out.ARN ?? name, name: out.Name ?? name, versions: versionsOf(out.VersionIdsToStages) };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async read(name: string, versionId: string): Promise<string | undefined> {
    return (await this.client.send(new GetSecretValueCommand({ SecretId: name, VersionId: versionId }))).SecretString;
  }

  async readCurrentMany(names: string[]): Promise<Map<string, { versionId: string; text: string | undefined }>> {
    const found = new Map<string, { versionId: string; text: string | undefined }>();
    for (let i = 0; i < names.length; i += 20) {
      const out = await this.client.send(new BatchGetSecretValueCommand({ SecretIdList: names.slice(i, i + 20) }));
      for (const v of out.SecretValues ?? []) {
        if (v.Name && v.VersionId) found.set(v.Name, { versionId: v.VersionId, text: v.SecretString });
      }
    }
    return found;
  }
}

function versionsOf(map: Record<string, string[]> | undefined): SecretDescription['versions'] {
  return Object.entries(map ?? {}).map(([versionId, stages]) => ({ versionId, stages }));
}

/** What a version holds, as far as a status may say: never the token, only when it was minted and expires. */
export interface VersionSummary {
  versionId: string;
  holds: 'token' | 'placeholder' | 'other';
  mintedAt: string | null;
  expiresAt: string | null;
}

export type LastOutcome = 'never rotated' | 'rotated' | 'failed' | 'unknown';

/** One managed token's state, from Secrets Manager alone. Holds no token value. */
export interface TokenStatus {
  tokenId: string;
  family: TokenFamily;
  storeHash: string;
  secretName: string;
  /** Why the secret could not be read (AWS's exception name), when it could not. */
  unreadable?: string;
  current?: VersionSummary;
  /** Paused in the configuration: no run or Secrets Manager rotation renews it until it is unpaused. */
  paused?: true;
  /**
   * Whether the rotator would mint on its next run, and otherwise when it will (the rotator's own rule); for a
   * paused token, never: `{ due: false, at: null, reason: "paused" }`.
   */
  next?: { due: boolean; at: string | null; reason: string };
  /** AWSPENDING on a version other than AWSCURRENT: a rotation that did not finish. */
  pending?: VersionSummary;
  claim?: { state: 'free' } | { state: 'held'; until: string } | { state: 'released'; versionId: string };
  /** As far as the secret shows it: a released claim newer than AWSCURRENT is a failed attempt. */
  last?: { outcome: LastOutcome; at: string | null };
}

export interface StatusReport {
  at: string;
  tokens: TokenStatus[];
}

/** Family adapters for their rules only (policy, drift); their BigCommerce clients are never called. */
function ruleAdapters(): ReadonlyMap<TokenFamily, FamilyAdapter> {
  const http = new BigCommerceHttp();
  const tokens = new StorefrontTokensClient(http, DEFAULT_ENDPOINTS);
  const graphql = new StorefrontGraphqlClient(http, DEFAULT_ENDPOINTS);
  return new Map<TokenFamily, FamilyAdapter>([
    ['storefront-private', new StorefrontFamilyAdapter('storefront-private', tokens, graphql) as FamilyAdapter],
    ['storefront', new StorefrontFamilyAdapter('storefront', tokens, graphql) as FamilyAdapter],
    ['customer-impersonation', new StorefrontFamilyAdapter('customer-impersonation', tokens, graphql) as FamilyAdapter],
    [
      'stored-instruments',
      new StoredInstrumentsFamilyAdapter(new StoredInstrumentsClient(http, DEFAULT_ENDPOINTS)) as FamilyAdapter,
    ],
    // No cleanup runs here: the owner its marks would name does not matter.
    ['b2b-backend', new B2bBackendFamilyAdapter(new B2bTokensClient(http, DEFAULT_ENDPOINTS), '') as FamilyAdapter],
  ]);
}

const AT_ONCE = 8;

/** Every managed token's state: secrets listed under the prefix in pages, any others described one by one. */
export async function readStatus(
  reader: SecretReader,
  tokens: readonly ManagedToken[],
  secretNamePrefix: string,
  now: Date,
): Promise<StatusReport> {
  let listed = new Map<string, SecretDescription>();
  try {
    listed = await reader.list(`${secretNamePrefix}/`);
  } catch {
    // Without ListSecrets (it cannot be limited to some secrets) each secret is described instead.
  }
  // Each current version in bulk; a version the bulk read did not return (a secret it could not read, or one
  // whose AWSCURRENT moved since the listing) is read on its own.
  let currents = new Map<string, { versionId: string; text: string | undefined }>();
  try {
    currents = await reader.readCurrentMany(tokens.map((t) => t.secretName));
  } catch {
    // Without BatchGetSecretValue each version is read with GetSecretValue.
  }
  const adapters = ruleAdapters();
  const statuses: TokenStatus[] = new Array(tokens.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tokens.length) {
      const index = next++;
      const target = tokens[index] as ManagedToken;
      statuses[index] = await tokenStatus(
        reader,
        target,
        adapters.get(target.family),
        { listed: listed.get(target.secretName), current: currents.get(target.secretName) },
        now,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, tokens.length) }, worker));
  return { at: now.toISOString(), tokens: statuses };
}

/** What the bulk reads already know of one secret. */
interface KnownState {
  listed: SecretDescription | undefined;
  current: { versionId: string; text: string | undefined } | undefined;
}

async function tokenStatus(
  reader: SecretReader,
  target: ManagedToken,
  family: FamilyAdapter | undefined,
  { listed, current }: KnownState,
  now: Date,
): Promise<TokenStatus> {
  const paused = pausedBecause({ target });
  const base = {
    tokenId: target.id,
    family: target.family,
    storeHash: target.storeHash,
    secretName: target.secretName,
    ...(paused ? { paused: true as const } : {}),
  };
  try {
    const description = listed ?? (await reader.describe(target.secretName));
    if (!description) return { ...base, unreadable: 'ResourceNotFoundException' };
    const versions = await versionsStatus(reader, target, family, description, current, now);
    return { ...base, ...versions, ...(paused ? { next: { due: false, at: null, reason: paused } } : {}) };
  } catch (error) {
    return { ...base, unreadable: (error as Error).name || 'Error' };
  }
}

async function versionsStatus(
  reader: SecretReader,
  target: ManagedToken,
  family: FamilyAdapter | undefined,
  description: SecretDescription,
  known: KnownState['current'],
  now: Date,
): Promise<Partial<TokenStatus>> {
  const cache = new Map<string, Promise<string | undefined>>();
  if (known) cache.set(known.versionId, Promise.resolve(known.text));
  const read = (versionId: string) => {
    if (!cache.has(versionId)) cache.set(versionId, reader.read(target.secretName, versionId));
    return cache.get(versionId) as Promise<string | undefined>;
  };
  const summarize = async (versionId: string): Promise<{ summary: VersionSummary; stored?: StoredToken }> => {
    const text = await read(versionId);
    const stored = parseStoredToken(text, target);
    redactor.add(stored?.token);
    if (stored) {
      return { summary: { versionId, holds: 'token', mintedAt: stored.mintedAt, expiresAt: stored.expiresAt }, stored };
    }
    return {
      summary: { versionId, holds: isPlaceholder(text) ? 'placeholder' : 'other', mintedAt: null, expiresAt: null },
    };
  };

  const currentId = stageHolder(description, STAGES.current);
  if (!currentId) {
    // The rotator's first run writes the placeholder into a secret created without a value.
    return {
      next: { due: true, at: null, reason: 'the secret has no version yet' },
      claim: { state: 'free' },
      last: { outcome: 'never rotated', at: null },
    };
  }
  const current = await summarize(currentId);
  const pendingId = stageHolder(description, STAGES.pending);
  const pending = pendingId && pendingId !== currentId ? await summarize(pendingId) : undefined;
  const claimId = stageHolder(description, STAGES.claim);
  const releasedId = stageHolder(description, STAGES.released);
  const claimRecord =
    claimId && claimId !== currentId && claimId !== pendingId && claimId !== releasedId
      ? parseClaim(await read(claimId))
      : undefined;

  const held = claimState({
    description,
    currentVersionId: currentId,
    now,
    pending: pending ? { versionId: pending.summary.versionId, stored: pending.stored } : undefined,
    claimRecord,
  });
  const claim: TokenStatus['claim'] = held.held
    ? { state: 'held', until: held.until.toISOString() }
    : claimId && claimId === releasedId && releasedId !== currentId
      ? { state: 'released', versionId: releasedId }
      : { state: 'free' };

  const decision = family
    ? decideDue({
        current: current.stored,
        now,
        policy: family.policy(target),
        force: false,
        drift: current.stored ? family.drift?.(target, current.stored) : undefined,
      })
    : undefined;

  return {
    current: current.summary,
    ...(decision
      ? {
          next: decision.due
            ? { due: true, at: null, reason: decision.reason }
            : { due: false, at: decision.nextDueAt.toISOString(), reason: decision.reason },
        }
      : {}),
    ...(pending ? { pending: pending.summary } : {}),
    claim,
    last: await lastOutcome(current.summary, releasedId, read, target),
  };
}

/**
 * A released claim newer than AWSCURRENT means the last attempt failed (its run gave the claim up); otherwise
 * the last rotation is the current token's mint, or there has been none (the placeholder).
 */
async function lastOutcome(
  current: VersionSummary,
  releasedId: string | undefined,
  read: (versionId: string) => Promise<string | undefined>,
  target: ManagedToken,
): Promise<NonNullable<TokenStatus['last']>> {
  if (releasedId && releasedId !== current.versionId) {
    const text = await read(releasedId);
    const at = parseClaim(text)?.claimedAt ?? parseStoredToken(text, target)?.mintedAt ?? null;
    if (at === null || current.mintedAt === null || Date.parse(at) > Date.parse(current.mintedAt)) {
      return { outcome: 'failed', at };
    }
  }
  if (current.holds === 'token') return { outcome: 'rotated', at: current.mintedAt };
  return { outcome: current.holds === 'placeholder' ? 'never rotated' : 'unknown', at: null };
}

function isPlaceholder(text: string | undefined): boolean {
  try {
    return (JSON.parse(text ?? '') as { status?: unknown }).status === PLACEHOLDER_STATUS;
  } catch {
    return false;
  }
}

/** The table is meant for a terminal this wide. */
export const TABLE_WIDTH = 120;

/** "6d23h", "3h05m", "12m", "45s": the two largest units. */
export function shortDuration(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m`;
  return `${s % 60}s`;
}

function relative(iso: string | null | undefined, now: Date): string {
  if (!iso) return '-';
  const ms = Date.parse(iso) - now.getTime();
  return ms >= 0 ? `in ${shortDuration(ms)}` : `${shortDuration(ms)} ago`;
}

function expiry(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  return ms >= 0 ? `in ${shortDuration(ms)}` : `expired ${shortDuration(ms)} ago`;
}

/** The last column's words, in the order the summary counts them. */
const STATE_WORDS = ['rotated', 'never rotated', 'in progress', 'failed', 'unknown', 'unreadable'] as const;

function stateWord(t: TokenStatus): (typeof STATE_WORDS)[number] {
  if (t.unreadable) return 'unreadable';
  if (t.claim?.state === 'held') return 'in progress';
  return t.last?.outcome ?? 'unknown';
}

/** What an operator should look at, one short paragraph per token that needs it. */
function attention(t: TokenStatus, now: Date): string[] {
  const notes: string[] = [];
  if (t.paused) {
    const expired = t.current?.expiresAt && Date.parse(t.current.expiresAt) <= now.getTime();
    notes.push(
      'paused: runs leave it alone until "paused" is removed from its configuration' +
        (expired ? `; its token ${expiry(t.current?.expiresAt as string, now)}` : ''),
    );
  }
  if (t.unreadable) notes.push(`cannot read secret ${t.secretName} (${t.unreadable})`);
  if (t.current?.holds === 'other')
    notes.push('AWSCURRENT holds a value this product did not write; the next run replaces it');
  if (t.pending) {
    const minted = t.pending.mintedAt ? ` (minted ${t.pending.mintedAt})` : '';
    notes.push(
      `unfinished rotation: AWSPENDING is on version ${t.pending.versionId}${minted}, not on AWSCURRENT; ` +
        'the next run verifies and promotes it, or replaces it',
    );
  }
  if (t.claim?.state === 'held') notes.push(`a run holds the rotation claim until ${t.claim.until}`);
  if (t.last?.outcome === 'failed') {
    const when = t.last.at ? ` (${t.last.at})` : '';
    notes.push(
      `the last attempt failed${when} and released its claim; ` +
        'the "rotation failed" log line and the Token Rotation Failed event say why',
    );
  }
  if (t.next?.due && t.current?.holds === 'token') notes.push(`due now: ${t.next.reason}`);
  return notes;
}

/** Wraps `text` at `width`, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** A terminal table of the report, at most TABLE_WIDTH columns, with what needs attention below it. */
export function statusTable(report: StatusReport): string {
  const now = new Date(report.at);
  const header = ['token', 'family', 'store', 'version', 'minted', 'expires', 'next due', 'last outcome'];
  const rows = report.tokens.map((t) => [
    t.tokenId,
    t.family,
    t.storeHash,
    t.current ? t.current.versionId.slice(0, 8) : '-',
    t.current?.holds === 'token' ? relative(t.current.mintedAt, now) : '-',
    t.current?.holds === 'token' ? (t.current.expiresAt ? relative(t.current.expiresAt, now) : 'never') : '-',
    t.paused ? 'paused' : t.next ? (t.next.due ? 'now' : relative(t.next.at, now)) : '-',
    stateWord(t),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  // Long ids give way first, then the other text columns; the times and the version keep their width.
  const shrinkable = [0, 2, 1, 7];
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  for (const i of shrinkable) {
    const over = total() - TABLE_WIDTH;
    if (over <= 0) break;
    widths[i] = Math.max(header[i]?.length ?? 0, (widths[i] as number) - over);
  }
  const cell = (text: string, width: number) =>
    text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => cell(c, widths[i] as number))
      .join('  ')
      .trimEnd();

  const counts = STATE_WORDS.map((word) => [word, report.tokens.filter((t) => stateWord(t) === word).length] as const);
  const soonest = report.tokens
    .filter((t) => t.current?.expiresAt)
    .sort((a, b) => Date.parse(a.current?.expiresAt ?? '') - Date.parse(b.current?.expiresAt ?? ''))[0];
  const paused = report.tokens.filter((t) => t.paused).length;
  const counted = counts.filter(([, n]) => n > 0).map(([word, n]) => `${n} ${word}`);
  if (paused > 0) counted.push(`${paused} paused`);
  const summary = [
    `${report.tokens.length} tokens at ${report.at} (Secrets Manager): ${counted.join(', ')}`,
    ...(soonest ? [`soonest expiry: ${soonest.tokenId} ${expiry(soonest.current?.expiresAt as string, now)}`] : []),
  ].join('; ');

  const notes = report.tokens.flatMap((t) =>
    attention(t, now).flatMap((n) => wrap(`${t.tokenId}: ${n}`, TABLE_WIDTH, '    ')),
  );
  return [
    ...wrap(summary, TABLE_WIDTH, '  '),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes.length > 0 ? ['', 'Needs attention:', ...notes] : []),
  ].join('\n');
}
