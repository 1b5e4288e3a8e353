import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import { randomAlphanumeric } from '../bigcommerce/accounts';
import { AwsError, invalidParameter } from './errors';
import {
  type Input,
  epochSeconds,
  optionalArray,
  optionalBoolean,
  optionalInteger,
  optionalString,
  page,
  requiredString,
} from './input';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_SECRET_BYTES = 65_536;
/** Versions without a staging label that AWS keeps before it removes the oldest. */
const MAX_DEPRECATED_VERSIONS = 100;
const FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']);
/** Secrets Manager matches filter values against whole values and against the words inside them. */
const WORD_SEPARATORS = /[/_+=.@-]/;

export interface Tag {
  Key: string;
  Value: string;
}

export interface SecretVersion {
  versionId: string;
  secretString?: string;
  secretBinary?: string;
  createdDate: Date;
  lastAccessedDate?: Date;
  stages: Set<string>;
}

export interface Secret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  /** In creation order. */
  versions: Map<string, SecretVersion>;
}

type Operation = (input: Input) => Record<string, unknown>;

/**
 * Secrets Manager with AWS's version and staging-label rules: `AWSCURRENT` moves leave `AWSPREVIOUS`
 * behind, `ClientRequestToken` makes writes idempotent, and moving a label requires naming where it is.
 */
export class SecretsManager {
  private readonly secrets = new Map<string, Secret>();
  readonly operations: Record<string, Operation>;

  constructor(
    private readonly clock: SandboxClock,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    this.operations = {
      CreateSecret: (i) => this.createSecret(i),
      DescribeSecret: (i) => this.describeSecret(i),
      GetSecretValue: (i) => this.getSecretValue(i),
      BatchGetSecretValue: (i) => this.batchGetSecretValue(i),
      PutSecretValue: (i) => this.putSecretValue(i),
      UpdateSecretVersionStage: (i) => this.updateSecretVersionStage(i),
      ListSecretVersionIds: (i) => this.listSecretVersionIds(i),
      ListSecrets: (i) => this.listSecrets(i),
      TagResource: (i) => this.tagResource(i),
    };
  }

  /** Inspection: the secret with this name or ARN, if it exists. */
  find(secretId: string): Secret | undefined {
    return (
      this.secrets.get(secretId) ??
      [...this.secrets.values()].find((s) => s.arn === secretId || partialArn(s.arn) === secretId)
    );
  }

  all(): Secret[] {
    return [...this.secrets.values()];
  }

  /** Inspection: the value holding a staging label, without touching access dates. */
  valueAt(secretId: string, stage = AWSCURRENT): string | undefined {
    const secret = this.find(secretId);
    return secret ? [...secret.versions.values()].find((v) => v.stages.has(stage))?.secretString : undefined;
  }

  private createSecret(input: Input): Record<string, unknown> {
    const name = requiredString(input, 'Name');
    if (!NAME_PATTERN.test(name))
      throw invalidParameter('Name may contain only letters, digits and /_+=.@- and be at most 512 characters.');
    if (this.secrets.has(name))
      throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const value = readValue(input, false);
    const now = this.clock.now();
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomAlphanumeric(6)}`,
      name,
      description: optionalString(input, 'Description'),
      kmsKeyId: optionalString(input, 'KmsKeyId'),
      tags: readTags(input),
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    let versionId: string | undefined;
    if (value) {
      versionId = readClientRequestToken(input) ?? randomUUID();
      secret.versions.set(versionId, { versionId, ...value, createdDate: now, stages: new Set([AWSCURRENT]) });
    }
    this.secrets.set(name, secret);
    return { ARN: secret.arn, Name: name, ...(versionId ? { VersionId: versionId } : {}), ReplicationStatus: [] };
  }

  private describeSecret(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    return { ...secretMetadata(secret), VersionIdsToStages: versionsToStages(secret) };
  }

  private getSecretValue(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage');
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (!version || (stage !== undefined && !version.stages.has(stage))) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}${stage ? ` and staging label: ${stage}` : ''}`,
        );
      }
    } else {
      const wanted = stage ?? AWSCURRENT;
      version = [...secret.versions.values()].find((v) => v.stages.has(wanted));
      if (!version)
        throw new AwsError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${wanted}`,
        );
    }
    const today = startOfDay(this.clock.now());
    secret.lastAccessedDate = today;
    version.lastAccessedDate = today;
    return secretValueOutput(secret, version);
  }

  private batchGetSecretValue(input: Input): Record<string, unknown> {
    const ids = optionalArray(input, 'SecretIdList');
    const filters = optionalArray(input, 'Filters');
    if ((ids === undefined) === (filters === undefined))
      throw invalidParameter('Specify either SecretIdList or Filters, but not both.');
    const maxResults = optionalInteger(input, 'MaxResults', 1, 20);
    if (ids !== undefined) {
      if (maxResults !== undefined) throw invalidParameter('MaxResults can be used only with Filters.');
      if (ids.length < 1 || ids.length > 20 || !ids.every((id): id is string => typeof id === 'string'))
        throw invalidParameter('SecretIdList must contain 1 to 20 secret names or ARNs.');
      return this.currentValues(ids);
    }
    const matching = this.filtered(parseFilters(filters ?? []));
    const { items, NextToken } = page(matching, maxResults, optionalString(input, 'NextToken'), 20);
    return { ...this.currentValues(items.map((s) => s.arn)), ...(NextToken ? { NextToken } : {}) };
  }

  /** AWSCURRENT values of several secrets; a secret that cannot be read is an entry in Errors. */
  private currentValues(ids: string[]): { SecretValues: Record<string, unknown>[]; Errors: Record<string, unknown>[] } {
    const values: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const id of ids) {
      try {
        values.push(this.getSecretValue({ SecretId: id }));
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message });
      }
    }
    return { SecretValues: values, Errors: errors };
  }

  private putSecretValue(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const value = readValue(input, true);
    const versionId = readClientRequestToken(input) ?? randomUUID();
    const rawStages = optionalArray(input, 'VersionStages');
    if (
      rawStages !== undefined &&
      (rawStages.length < 1 ||
        rawStages.length > 20 ||
        !rawStages.every((s): s is string => typeof s === 'string' && s.length > 0 && s.length <= 256))
    ) {
      throw invalidParameter('VersionStages must list 1 to 20 staging labels.');
    }
    const stages = rawStages ?? [AWSCURRENT];

    const existing = secret.versions.get(versionId);
    if (existing) {
      // Same token and same value: AWS ignores the call entirely. Same token, other value: refused.
      if (existing.secretString === value.secretString && existing.secretBinary === value.secretBinary) {
        return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...existing.stages] };
      }
      throw new AwsError(
        'ResourceExistsException',
        `A resource with the ID you requested already exists: version ${versionId} holds a different value.`,
      );
    }

    const version: SecretVersion = { versionId, ...value, createdDate: this.clock.now(), stages: new Set() };
    secret.versions.set(versionId, version);
    for (const stage of stages) this.attachStage(secret, stage, version);
    secret.lastChangedDate = this.clock.now();
    this.pruneDeprecated(secret);
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...version.stages] };
  }

  private updateSecretVersionStage(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const stage = requiredString(input, 'VersionStage');
    const moveTo = optionalString(input, 'MoveToVersionId');
    const removeFrom = optionalString(input, 'RemoveFromVersionId');
    if (moveTo === undefined && removeFrom === undefined)
      throw invalidParameter('Specify MoveToVersionId, RemoveFromVersionId, or both.');
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));

    if (removeFrom !== undefined) {
      if (!secret.versions.has(removeFrom))
        throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find version ${removeFrom}.`);
      if (holder?.versionId !== removeFrom) {
        throw invalidParameter(
          `The staging label ${stage} is not attached to version ${removeFrom}${holder ? `; it is attached to version ${holder.versionId}` : ''}.`,
        );
      }
    }
    if (moveTo === undefined) {
      if (stage === AWSCURRENT)
        throw invalidParameter(
          'You can only move the staging label AWSCURRENT to another version; you cannot remove it.',
        );
      holder?.stages.delete(stage);
    } else {
      const target = secret.versions.get(moveTo);
      if (!target) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find version ${moveTo}.`);
      if (holder && holder !== target && removeFrom === undefined) {
        throw invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      this.attachStage(secret, stage, target);
    }
    secret.lastChangedDate = this.clock.now();
    this.pruneDeprecated(secret);
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecretVersionIds(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const includeDeprecated = optionalBoolean(input, 'IncludeDeprecated') ?? false;
    const versions = [...secret.versions.values()].filter((v) => includeDeprecated || v.stages.size > 0);
    const { items, NextToken } = page(
      versions,
      optionalInteger(input, 'MaxResults', 1, 100),
      optionalString(input, 'NextToken'),
      100,
    );
    return {
      Versions: items.map((v) => ({
        VersionId: v.versionId,
        VersionStages: [...v.stages],
        CreatedDate: epochSeconds(v.createdDate),
        ...(v.lastAccessedDate ? { LastAccessedDate: epochSeconds(v.lastAccessedDate) } : {}),
        ...(secret.kmsKeyId ? { KmsKeyIds: [secret.kmsKeyId] } : {}),
      })),
      ARN: secret.arn,
      Name: secret.name,
      ...(NextToken ? { NextToken } : {}),
    };
  }

  private listSecrets(input: Input): Record<string, unknown> {
    const filters = parseFilters(optionalArray(input, 'Filters') ?? []);
    const order = optionalString(input, 'SortOrder') ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw invalidParameter('SortOrder must be asc or desc.');
    // Secrets are kept in creation order, so ties on the timestamp stay in the order they were made.
    const ascending = this.filtered(filters).sort((a, b) => a.createdDate.getTime() - b.createdDate.getTime());
    const matching = order === 'asc' ? ascending : ascending.reverse();
    const { items, NextToken } = page(
      matching,
      optionalInteger(input, 'MaxResults', 1, 100),
      optionalString(input, 'NextToken'),
      100,
    );
    return {
      // The same map is called VersionIdsToStages by DescribeSecret and SecretVersionsToStages here.
      SecretList: items.map((s) => ({ ...secretMetadata(s), SecretVersionsToStages: versionsToStages(s) })),
      ...(NextToken ? { NextToken } : {}),
    };
  }

  private tagResource(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const tags = readTags(input);
    if (tags.length === 0) throw invalidParameter('Tags must contain at least one tag.');
    for (const tag of tags) {
      const existing = secret.tags.find((t) => t.Key === tag.Key);
      if (existing) existing.Value = tag.Value;
      else secret.tags.push(tag);
    }
    return {};
  }

  private resolve(input: Input): Secret {
    const id = requiredString(input, 'SecretId');
    const secret = this.find(id);
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** Puts a label on a version, taking it off wherever it was; a moved AWSCURRENT leaves AWSPREVIOUS behind. */
  private attachStage(secret: Secret, stage: string, target: SecretVersion): void {
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (holder === target) return;
    holder?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === AWSCURRENT && holder) {
      for (const v of secret.versions.values()) v.stages.delete(AWSPREVIOUS);
      holder.stages.add(AWSPREVIOUS);
    }
  }

  private pruneDeprecated(secret: Secret): void {
    const deprecated = [...secret.versions.values()].filter((v) => v.stages.size === 0);
    for (const v of deprecated.slice(0, Math.max(0, deprecated.length - MAX_DEPRECATED_VERSIONS)))
      secret.versions.delete(v.versionId);
  }

  private filtered(filters: ParsedFilter[]): Secret[] {
    return [...this.secrets.values()].filter((s) =>
      filters.every((f) => f.values.some((v) => matchesFilterValue(s, f.key, v, this.region))),
    );
  }
}

interface ParsedFilter {
  key: string;
  values: string[];
}

function parseFilters(raw: unknown[]): ParsedFilter[] {
  if (raw.length > 10) throw invalidParameter('At most 10 filters are allowed.');
  return raw.map((f) => {
    const filter = (f ?? {}) as { Key?: unknown; Values?: unknown };
    if (typeof filter.Key !== 'string' || !FILTER_KEYS.has(filter.Key))
      throw invalidParameter(`Filter Key must be one of ${[...FILTER_KEYS].join(', ')}.`);
    const values = filter.Values;
    if (
      !Array.isArray(values) ||
      values.length < 1 ||
      values.length > 10 ||
      !values.every((v): v is string => typeof v === 'string' && v.length > 0)
    ) {
      throw invalidParameter('Filter Values must list 1 to 10 non-empty strings.');
    }
    return { key: filter.Key, values };
  });
}

/** Prefix match on the value or any word in it; a leading `!` negates. */
function matchesFilterValue(secret: Secret, key: string, rawValue: string, region: string): boolean {
  const negate = rawValue.startsWith('!');
  const value = negate ? rawValue.slice(1) : rawValue;
  const prefixOf = (text: string | undefined): boolean =>
    text !== undefined && [text, ...text.split(WORD_SEPARATORS)].some((part) => part.startsWith(value));
  let hit: boolean;
  switch (key) {
    case 'name':
      hit = prefixOf(secret.name);
      break;
    case 'description':
      hit = prefixOf(secret.description);
      break;
    case 'tag-key':
      hit = secret.tags.some((t) => prefixOf(t.Key));
      break;
    case 'tag-value':
      hit = secret.tags.some((t) => prefixOf(t.Value));
      break;
    case 'primary-region':
      hit = region === value;
      break;
    case 'owning-service':
      hit = false;
      break;
    default:
      hit =
        prefixOf(secret.name) ||
        prefixOf(secret.description) ||
        secret.tags.some((t) => prefixOf(t.Key) || prefixOf(t.Value));
  }
  return negate ? !hit : hit;
}

function readValue(input: Input, required: true): { secretString?: string; secretBinary?: string };
function readValue(input: Input, required: false): { secretString?: string; secretBinary?: string } | undefined;
function readValue(input: Input, required: boolean): { secretString?: string; secretBinary?: string } | undefined {
  const secretString = optionalString(input, 'SecretString');
  const secretBinary = optionalString(input, 'SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined)
    throw invalidParameter('You can specify SecretString or SecretBinary, but not both.');
  if (secretString === undefined && secretBinary === undefined) {
    if (required) throw invalidParameter('You must provide either SecretString or SecretBinary.');
    return undefined;
  }
  const size =
    secretString !== undefined
      ? Buffer.byteLength(secretString, 'utf8')
      : Buffer.from(secretBinary as string, 'base64').length;
  if (size > MAX_SECRET_BYTES)
    throw invalidParameter(`The secret value exceeds the maximum size of ${MAX_SECRET_BYTES} bytes.`);
  return secretString !== undefined ? { secretString } : { secretBinary };
}

function readClientRequestToken(input: Input): string | undefined {
  const token = optionalString(input, 'ClientRequestToken');
  if (token !== undefined && (token.length < 32 || token.length > 64))
    throw invalidParameter('ClientRequestToken must be 32 to 64 characters long.');
  return token;
}

function readTags(input: Input): Tag[] {
  const raw = optionalArray(input, 'Tags') ?? [];
  return raw.map((t) => {
    const tag = (t ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof tag.Key !== 'string' || tag.Key.length === 0 || tag.Key.length > 128)
      throw invalidParameter('Each tag needs a Key of 1 to 128 characters.');
    if (typeof tag.Value !== 'string' || tag.Value.length > 256)
      throw invalidParameter('Each tag needs a Value of at most 256 characters.');
    return { Key: tag.Key, Value: tag.Value };
  });
}

/** The fields DescribeSecret and ListSecrets share. */
function secretMetadata(secret: Secret): Record<string, unknown> {
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description !== undefined ? { Description: secret.description } : {}),
    ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
    RotationEnabled: false,
    LastChangedDate: epochSeconds(secret.lastChangedDate),
    ...(secret.lastAccessedDate ? { LastAccessedDate: epochSeconds(secret.lastAccessedDate) } : {}),
    Tags: secret.tags,
    CreatedDate: epochSeconds(secret.createdDate),
  };
}

function versionsToStages(secret: Secret): Record<string, string[]> {
  return Object.fromEntries(
    [...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.versionId, [...v.stages]]),
  );
}

function secretValueOutput(secret: Secret, version: SecretVersion): Record<string, unknown> {
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
    ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
    VersionStages: [...version.stages],
    CreatedDate: epochSeconds(version.createdDate),
  };
}

function partialArn(arn: string): string {
  return arn.replace(/-[A-Za-z0-9]{6}$/, '');
}

function startOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
