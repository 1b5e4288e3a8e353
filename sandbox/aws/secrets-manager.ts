import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import { randomAlphanumeric } from '../bigcommerce/accounts';
import { AwsError, invalidParameter, invalidRequest, resourceExists, resourceNotFound } from './errors';
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
import {
  type RotationFunction,
  type RotationStep,
  type StepRecord,
  invokeSteps,
  rotationSteps,
  succeeded,
} from './rotation';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_SECRET_BYTES = 65_536;
/**
 * PutSecretValue: "Secrets Manager removes outdated versions when there are more than 100, but it does not
 * remove versions created less than 24 hours ago."
 */
const KEPT_VERSIONS = 100;
const DEPRECATED_VERSION_MIN_AGE_MS = 24 * 60 * 60 * 1000;
const FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']);
/** Secrets Manager matches filter values against whole values and against the words inside them. */
const WORD_SEPARATORS = /[/_+=.@-]/;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface Tag {
  Key: string;
  Value: string;
}

export interface SecretVersion {
  versionId: string;
  /** Neither value: the version RotateSecret creates for its rotation function to fill. */
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
  /** Set by RotateSecret; absent while the secret has never been configured for rotation. */
  rotation?: RotationConfiguration;
}

export interface RotationConfiguration {
  lambdaArn: string;
  /** AutomaticallyAfterDays and Duration as RotateSecret last set them. */
  rules: { AutomaticallyAfterDays?: number; Duration?: string };
  lastRotatedDate?: Date;
  nextRotationDate?: Date;
}

/** One rotation Secrets Manager ran: RotateSecret's, its schedule's, or its retry of a failed one. */
export interface RotationRecord {
  secretArn: string;
  versionId: string;
  rotateImmediately: boolean;
  trigger: 'RotateSecret' | 'schedule' | 'retry';
  functionArn: string;
  /** Each invocation of the rotation function, in order; the steps after a failed one are not invoked. */
  steps: StepRecord[];
  outcome: 'running' | 'succeeded' | 'failed';
}

/** What starts a rotation: its version, its kind, what asked for it, and the function to invoke. */
type RotationRequest = Pick<RotationRecord, 'versionId' | 'rotateImmediately' | 'trigger' | 'functionArn'>;

type Operation = (input: Input) => Record<string, unknown>;

/**
 * Secrets Manager with the version and staging-label rules of the API reference, each enforced where the
 * operation applies it and quoted there. Together they keep one invariant: a secret with any version has
 * exactly one version labelled AWSCURRENT, and each label is on at most one version.
 */
export class SecretsManager {
  private readonly secrets = new Map<string, Secret>();
  private readonly rotationFunctions = new Map<string, RotationFunction>();
  private readonly rotationLog: RotationRecord[] = [];
  private readonly rotating = new Set<Promise<void>>();
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
      RotateSecret: (i) => this.rotateSecret(i),
    };
  }

  /**
   * Makes `invoke` the rotation function at `functionArn`. The sandbox cannot run Lambda: RotateSecret calls
   * the registered function in-process where Secrets Manager would invoke the Lambda function.
   */
  registerRotationFunction(functionArn: string, invoke: RotationFunction): void {
    this.rotationFunctions.set(functionArn, invoke);
  }

  /** Inspection: the rotations Secrets Manager ran (of one secret, by name or ARN), oldest first. */
  rotations(secretId?: string): RotationRecord[] {
    const arn = secretId === undefined ? undefined : this.find(secretId)?.arn;
    return this.rotationLog.filter((r) => secretId === undefined || r.secretArn === arn);
  }

  /** Resolves once every rotation started so far has ended: RotateSecret answers before its steps run. */
  async rotationsSettled(): Promise<void> {
    while (this.rotating.size > 0) await Promise.all([...this.rotating]);
  }

  /**
   * Secrets Manager's retry of the last rotation of a secret, which failed: NextRotationDate, "If rotation
   * fails, Secrets Manager retries the entire rotation process multiple times." The same version, so the
   * same ClientRequestToken, from the first step. When AWS retries is not documented: tests say when.
   */
  retryRotation(secretId: string): RotationRecord {
    const secret = this.find(secretId);
    const last = secret ? this.rotations(secret.arn).at(-1) : undefined;
    if (!secret || last?.outcome !== 'failed' || !last.rotateImmediately)
      throw new Error(`the last rotation of ${secretId} did not fail: Secrets Manager has nothing to retry`);
    const { versionId, functionArn } = last;
    return this.run(secret, { versionId, rotateImmediately: true, trigger: 'retry', functionArn });
  }

  /**
   * Secrets Manager's rotation schedule: starts the rotation of every secret whose NextRotationDate has come
   * ("The next rotation is scheduled to occur on or before this date"), as RotateSecret with the stored
   * configuration would. A secret whose previous rotation is still in progress is left to its retry. The
   * sandbox has no scheduler of its own: tests and the local demo call this after moving the clock.
   */
  rotateDueSecrets(): RotationRecord[] {
    const now = this.clock.nowMs();
    const started: RotationRecord[] = [];
    for (const secret of this.secrets.values()) {
      const next = secret.rotation?.nextRotationDate;
      if (!secret.rotation || next === undefined || next.getTime() > now || this.inProgress(secret)) continue;
      const { lambdaArn: functionArn } = secret.rotation;
      started.push(
        this.beginRotation(secret, {
          versionId: randomUUID(),
          rotateImmediately: true,
          trigger: 'schedule',
          functionArn,
        }),
      );
    }
    return started;
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
    const value = readValue(input, false);
    const token = readClientRequestToken(input);
    const existing = this.secrets.get(name);
    if (existing) return this.repeatedCreateSecret(existing, value, token);
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
    // "If you include SecretString or SecretBinary then Secrets Manager creates an initial secret version and
    // automatically attaches the staging label AWSCURRENT to it." Without a value there is no version at all.
    let versionId: string | undefined;
    if (value) {
      versionId = token ?? randomUUID();
      secret.versions.set(versionId, { versionId, ...value, createdDate: now, stages: new Set([AWSCURRENT]) });
    }
    this.secrets.set(name, secret);
    // No ReplicationStatus: AWS sends it only for secrets created with replica Regions.
    return { ARN: secret.arn, Name: name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  /**
   * CreateSecret's ClientRequestToken: "If a version with this value already exists and the version
   * SecretString and SecretBinary values are the same as those in the request, then the request is
   * ignored." A retried CreateSecret whose first answer was lost therefore succeeds; any other CreateSecret
   * of an existing name is refused.
   */
  private repeatedCreateSecret(
    secret: Secret,
    value: SecretValue | undefined,
    token: string | undefined,
  ): Record<string, unknown> {
    const version = token !== undefined ? secret.versions.get(token) : undefined;
    if (version && value) {
      if (sameValue(version, value)) return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
      throw clientRequestTokenInUse(version.versionId, secret);
    }
    throw resourceExists(`The operation failed because the secret ${secret.name} already exists.`);
  }

  private describeSecret(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    // VersionIdsToStages: "A list of the versions of the secret that have staging labels attached. Versions
    // that don't have staging labels are considered deprecated".
    return { ...secretMetadata(secret), VersionIdsToStages: versionsToStages(secret) };
  }

  private getSecretValue(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage');
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      // Any version that still exists can be read by its id, labelled or not: deprecated versions "can be
      // deleted by Secrets Manager", and until then they are still there.
      version = secret.versions.get(versionId);
      if (!version)
        throw resourceNotFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      // "If you include both this parameter and VersionStage, the two parameters must refer to the same
      // secret version." The version exists, so this is a request that does not fit its current state.
      if (stage !== undefined && !version.stages.has(stage))
        throw invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
    } else {
      // "If you don't specify either a VersionStage or VersionId, then Secrets Manager returns the AWSCURRENT
      // version."
      const wanted = stage ?? AWSCURRENT;
      version = this.holderOf(secret, wanted);
      if (!version)
        throw resourceNotFound(`Secrets Manager can't find the specified secret value for staging label: ${wanted}`);
    }
    // RotateSecret: "When rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty
    // secret version." There is no value to return: AWS's rotation function templates read that version in
    // createSecret and create its value when GetSecretValue answers ResourceNotFoundException (moto agrees).
    if (!holdsValue(version)) {
      const asked = versionId !== undefined ? `VersionId: ${versionId}` : `staging label: ${stage ?? AWSCURRENT}`;
      throw resourceNotFound(`Secrets Manager can't find the specified secret value for ${asked}`);
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
    const requested = readVersionStages(input);

    // "If you call this operation with a ClientRequestToken that matches an existing version's VersionId,
    // and you specify the same secret data, the operation succeeds but does nothing. However, if the secret
    // data is different, then the operation fails because you can't modify an existing version". Whatever
    // labels the version holds, a retry must never move any or change its value.
    const existing = secret.versions.get(versionId);
    if (existing && holdsValue(existing)) {
      if (!sameValue(existing, value)) throw clientRequestTokenInUse(versionId, secret);
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...existing.stages] };
    }
    // The empty version RotateSecret created is where its rotation function puts the new value: AWS's rotation
    // function templates call PutSecretValue with the rotation's ClientRequestToken and VersionStages
    // [AWSPENDING] in createSecret. It takes that first value, and from then on is like any other version.

    // "If you don't include VersionStages, then Secrets Manager automatically moves the staging label
    // AWSCURRENT to this version."
    const stages = new Set(requested ?? [AWSCURRENT]);
    // "If this operation creates the first version for the secret, then Secrets Manager automatically
    // attaches the staging label AWSCURRENT to it", whatever VersionStages asked for: a secret with a value
    // always has a current one.
    if (secret.versions.size === 0) stages.add(AWSCURRENT);

    const version: SecretVersion = existing
      ? Object.assign(existing, value)
      : { versionId, ...value, createdDate: this.clock.now(), stages: new Set() };
    secret.versions.set(versionId, version);
    // VersionStages: "If you specify a staging label that's already associated with a different version of
    // the same secret, then Secrets Manager removes the label from the other version and attaches it to this
    // version." Unlike UpdateSecretVersionStage, no RemoveFromVersionId is needed.
    for (const stage of stages) this.attachStage(secret, stage, version);
    secret.lastChangedDate = this.clock.now();
    this.pruneDeprecated(secret);
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...version.stages] };
  }

  /**
   * "Each staging label can be attached to only one version at a time." Moving a label that is already
   * elsewhere needs RemoveFromVersionId naming its holder: "If the label is attached and you either do not
   * specify this parameter, or the version ID does not match, then the operation fails." That holds for
   * every label, not only AWSCURRENT, which makes each move a compare-and-swap.
   */
  private updateSecretVersionStage(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const stage = requiredString(input, 'VersionStage');
    const moveTo = optionalString(input, 'MoveToVersionId');
    const removeFrom = optionalString(input, 'RemoveFromVersionId');
    if (moveTo === undefined && removeFrom === undefined)
      throw invalidParameter('Specify MoveToVersionId, RemoveFromVersionId, or both.');
    const holder = this.holderOf(secret, stage);

    if (removeFrom !== undefined) {
      if (!secret.versions.has(removeFrom))
        throw resourceNotFound(`Secrets Manager can't find the specified secret version: ${removeFrom}`);
      // RemoveFromVersionId: "The ID of the version that the staging label is to be removed from."
      if (holder?.versionId !== removeFrom) {
        throw invalidParameter(
          `The staging label ${stage} is not attached to version ${removeFrom}${holder ? `; it is attached to version ${holder.versionId}` : ''}.`,
        );
      }
    }
    if (moveTo === undefined) {
      // "You can move the AWSCURRENT staging label to this version by including it in this call": moved,
      // never removed, or the secret would have no current value for GetSecretValue's default.
      if (stage === AWSCURRENT)
        throw invalidParameter(
          'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
        );
      // "If this action results in the last label being removed from a version, then the version is
      // considered to be 'deprecated' and can be deleted by Secrets Manager."
      holder?.stages.delete(stage);
    } else {
      const target = secret.versions.get(moveTo);
      if (!target) throw resourceNotFound(`Secrets Manager can't find the specified secret version: ${moveTo}`);
      // MoveToVersionId: "If the staging label is already attached to a different version of the secret, then
      // you must also specify the RemoveFromVersionId parameter."
      if (holder && holder !== target && removeFrom === undefined) {
        throw invalidParameter(
          `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      this.attachStage(secret, stage, target);
    }
    // LastChangedDate: "The last date and time that this secret was modified in any way."
    secret.lastChangedDate = this.clock.now();
    this.pruneDeprecated(secret);
    return { ARN: secret.arn, Name: secret.name };
  }

  private listSecretVersionIds(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    // IncludeDeprecated: "Versions without staging labels are considered deprecated and are subject to
    // deletion by Secrets Manager. By default, versions without staging labels aren't included."
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
    // "Tags are part of the secret's metadata. They are not associated with specific versions of the secret.
    // This operation appends tags to the existing list of tags." No version or label changes; the secret
    // itself does, and LastChangedDate is "The last date and time that this secret was modified in any way."
    for (const tag of tags) {
      const existing = secret.tags.find((t) => t.Key === tag.Key);
      if (existing) existing.Value = tag.Value;
      else secret.tags.push(tag);
    }
    secret.lastChangedDate = this.clock.now();
    return {};
  }

  /**
   * RotateSecret: "Configures and starts the asynchronous process of rotating the secret. ... If you include
   * the configuration parameters, the operation sets the values for the secret and then immediately starts a
   * rotation. If you don't include the configuration parameters, the operation starts a rotation with the
   * values already stored in the secret." The answer goes out before the rotation function's first step.
   */
  private rotateSecret(input: Input): Record<string, unknown> {
    const secret = this.resolve(input);
    const token = readClientRequestToken(input);
    const requestedArn = optionalString(input, 'RotationLambdaARN');
    if (requestedArn !== undefined && (requestedArn.length === 0 || requestedArn.length > 2048))
      throw invalidParameter('RotationLambdaARN must be 1 to 2048 characters long.');
    const rules = readRotationRules(input);
    // RotateImmediately: "The default for RotateImmediately is true."
    const immediately = optionalBoolean(input, 'RotateImmediately') ?? true;
    const functionArn = requestedArn ?? secret.rotation?.lambdaArn;
    // InvalidRequestException: "You tried to enable rotation on a secret that doesn't already have a Lambda
    // function ARN configured and you didn't include such an ARN as a parameter in this call."
    if (functionArn === undefined)
      throw invalidRequest(
        "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
      );
    // ResourceNotFoundException, "Secrets Manager can't find the resource that you asked for": here, a
    // function no test registered, which the sandbox therefore cannot invoke (moto answers the same for a
    // function its Lambda does not know).
    if (!this.rotationFunctions.has(functionArn))
      throw resourceNotFound(`Secrets Manager can't find the rotation function ${functionArn}.`);
    // "If the AWSPENDING staging label is present but not attached to the same version as AWSCURRENT, then
    // any later invocation of RotateSecret assumes that a previous rotation request is still in progress and
    // returns an error." Nothing is configured or created then.
    if (this.inProgress(secret))
      throw invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");

    const configured = secret.rotation;
    const schedule = { ...configured?.rules, ...rules };
    const rotation: RotationConfiguration = { lambdaArn: functionArn, rules: schedule };
    if (configured?.lastRotatedDate) rotation.lastRotatedDate = configured.lastRotatedDate;
    // AutomaticallyAfterDays: "Secrets Manager calculates the next rotation date based on the previous
    // rotation." Before the first rotation, from now.
    const days = schedule.AutomaticallyAfterDays;
    if (days !== undefined) {
      const from = rules?.AutomaticallyAfterDays === undefined ? configured?.nextRotationDate : undefined;
      rotation.nextRotationDate =
        from ?? new Date((rotation.lastRotatedDate ?? this.clock.now()).getTime() + days * DAY_MS);
    }
    secret.rotation = rotation;
    secret.lastChangedDate = this.clock.now();
    const record = this.beginRotation(secret, {
      versionId: token ?? randomUUID(),
      rotateImmediately: immediately,
      trigger: 'RotateSecret',
      functionArn,
    });
    return { ARN: secret.arn, Name: secret.name, VersionId: record.versionId };
  }

  /** The state RotateSecret refuses: AWSPENDING on a version that is not AWSCURRENT's. */
  private inProgress(secret: Secret): boolean {
    const pending = this.holderOf(secret, AWSPENDING);
    return pending !== undefined && !pending.stages.has(AWSCURRENT);
  }

  /**
   * The version a rotation works on, labelled AWSPENDING. RotateImmediately true: an empty one, for the
   * function's createSecret to fill ("When rotation is unsuccessful, the AWSPENDING staging label might be
   * attached to an empty secret version"). False: "Secrets Manager tests the rotation configuration by running
   * the testSecret step of the Lambda rotation function. This test creates an AWSPENDING version of the secret
   * and then removes it"; the reference does not say what that version holds: here a copy of AWSCURRENT,
   * what moto means to copy (it copies the value the secret was created with). A ClientRequestToken that names an existing version creates nothing ("Secrets Manager uses
   * this value to prevent the accidental creation of duplicate versions"), and a secret without a version
   * has nothing to copy or to rotate from: no version either (moto does the same); the steps run regardless.
   */
  private beginRotation(secret: Secret, request: RotationRequest): RotationRecord {
    const { versionId } = request;
    const current = this.holderOf(secret, AWSCURRENT);
    if (!secret.versions.has(versionId) && current) {
      const copy = request.rotateImmediately ? {} : copyOfValue(current);
      const version: SecretVersion = { versionId, ...copy, createdDate: this.clock.now(), stages: new Set() };
      secret.versions.set(versionId, version);
      this.attachStage(secret, AWSPENDING, version);
      secret.lastChangedDate = this.clock.now();
      this.pruneDeprecated(secret);
    }
    return this.run(secret, request);
  }

  /** Runs the rotation function's steps after the current request has been answered, and records them. */
  private run(secret: Secret, request: RotationRequest): RotationRecord {
    const invoke = this.rotationFunctions.get(request.functionArn);
    if (!invoke) throw new Error(`no rotation function is registered at ${request.functionArn}`);
    const record: RotationRecord = { secretArn: secret.arn, ...request, steps: [], outcome: 'running' };
    this.rotationLog.push(record);
    const { versionId, rotateImmediately } = request;
    const steps: RotationStep[] = rotationSteps(rotateImmediately);
    const run = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      record.steps = await invokeSteps(invoke, secret.arn, versionId, steps);
      const ok = succeeded(record.steps, steps);
      if (!rotateImmediately) this.removeStage(secret, AWSPENDING, versionId);
      else if (ok) this.rotated(secret);
      record.outcome = ok ? 'succeeded' : 'failed';
    })();
    this.rotating.add(run);
    void run.finally(() => this.rotating.delete(run));
    return record;
  }

  /**
   * A rotation that succeeded: LastRotatedDate, "The last date and time that Secrets Manager rotated the
   * secret", and the next date from it. A failed one changes neither: NextRotationDate, "If rotation is
   * unsuccessful, this date may be in the past."
   */
  private rotated(secret: Secret): void {
    const rotation = secret.rotation;
    if (!rotation) return;
    const now = this.clock.now();
    rotation.lastRotatedDate = now;
    const days = rotation.rules.AutomaticallyAfterDays;
    if (days !== undefined) rotation.nextRotationDate = new Date(now.getTime() + days * DAY_MS);
  }

  private removeStage(secret: Secret, stage: string, versionId: string): void {
    const version = secret.versions.get(versionId);
    if (!version?.stages.delete(stage)) return;
    secret.lastChangedDate = this.clock.now();
  }

  private resolve(input: Input): Secret {
    const id = requiredString(input, 'SecretId');
    const secret = this.find(id);
    if (!secret) throw resourceNotFound("Secrets Manager can't find the specified secret.");
    return secret;
  }

  private holderOf(secret: Secret, stage: string): SecretVersion | undefined {
    return [...secret.versions.values()].find((v) => v.stages.has(stage));
  }

  /**
   * Puts a label on a version, taking it off the version that had it. Moving AWSCURRENT also moves
   * AWSPREVIOUS: "Whenever you move AWSCURRENT, Secrets Manager automatically moves the label AWSPREVIOUS to
   * the version that AWSCURRENT was removed from." (UpdateSecretVersionStage; PutSecretValue says the same.)
   */
  private attachStage(secret: Secret, stage: string, target: SecretVersion): void {
    const holder = this.holderOf(secret, stage);
    if (holder === target) return;
    holder?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === AWSCURRENT && holder) {
      this.holderOf(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
      holder.stages.add(AWSPREVIOUS);
    }
  }

  /**
   * "Secrets Manager removes outdated versions when there are more than 100, but it does not remove versions
   * created less than 24 hours ago." Only deprecated versions are outdated: a labelled one is never removed.
   */
  private pruneDeprecated(secret: Secret): void {
    const oldEnough = this.clock.nowMs() - DEPRECATED_VERSION_MIN_AGE_MS;
    const removable = [...secret.versions.values()].filter(
      (v) => v.stages.size === 0 && v.createdDate.getTime() <= oldEnough,
    );
    for (const v of removable) {
      if (secret.versions.size <= KEPT_VERSIONS) break;
      secret.versions.delete(v.versionId);
    }
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

type SecretValue = Pick<SecretVersion, 'secretString' | 'secretBinary'>;

function readValue(input: Input, required: true): SecretValue;
function readValue(input: Input, required: false): SecretValue | undefined;
function readValue(input: Input, required: boolean): SecretValue | undefined {
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

function holdsValue(version: SecretValue): boolean {
  return version.secretString !== undefined || version.secretBinary !== undefined;
}

function copyOfValue(version: SecretValue): SecretValue {
  return version.secretString !== undefined
    ? { secretString: version.secretString }
    : { secretBinary: version.secretBinary };
}

/**
 * RotationRules: AutomaticallyAfterDays from 1 to 1000 (RotationRulesType), and "you can set the rotation
 * schedule in RotationRules with AutomaticallyAfterDays or ScheduleExpression, but not both".
 */
function readRotationRules(input: Input): RotationConfiguration['rules'] | undefined {
  const raw = input.RotationRules;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('RotationRules must be a structure.');
  const rules = raw as Input;
  const days = optionalInteger(rules, 'AutomaticallyAfterDays', 1, 1000);
  const expression = optionalString(rules, 'ScheduleExpression');
  const duration = optionalString(rules, 'Duration');
  if (days !== undefined && expression !== undefined)
    throw invalidParameter('You can set AutomaticallyAfterDays or ScheduleExpression, but not both.');
  if (expression !== undefined)
    throw invalidParameter(
      'The sandbox does not implement RotationRules.ScheduleExpression: use AutomaticallyAfterDays.',
    );
  return {
    ...(days !== undefined ? { AutomaticallyAfterDays: days } : {}),
    ...(duration ? { Duration: duration } : {}),
  };
}

function sameValue(version: SecretValue, value: SecretValue): boolean {
  return version.secretString === value.secretString && version.secretBinary === value.secretBinary;
}

/** ResourceExistsException, "A resource with the ID you requested already exists": the version id. */
function clientRequestTokenInUse(token: string, secret: Secret): AwsError {
  return resourceExists(
    `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secret.arn}.`,
  );
}

/** VersionStages: 1 to 20 labels of 1 to 256 characters. */
function readVersionStages(input: Input): string[] | undefined {
  const raw = optionalArray(input, 'VersionStages');
  if (
    raw !== undefined &&
    (raw.length < 1 ||
      raw.length > 20 ||
      !raw.every((s): s is string => typeof s === 'string' && s.length > 0 && s.length <= 256))
  ) {
    throw invalidParameter('VersionStages must list 1 to 20 staging labels.');
  }
  return raw;
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
    ...rotationMetadata(secret.rotation),
    LastChangedDate: epochSeconds(secret.lastChangedDate),
    ...(secret.lastAccessedDate ? { LastAccessedDate: epochSeconds(secret.lastAccessedDate) } : {}),
    Tags: secret.tags,
    CreatedDate: epochSeconds(secret.createdDate),
  };
}

/**
 * RotationEnabled: "Specifies whether automatic rotation is turned on for this secret. If the secret has
 * never been configured for rotation, Secrets Manager returns null": absent then, as are the other fields.
 */
function rotationMetadata(rotation: RotationConfiguration | undefined): Record<string, unknown> {
  if (!rotation) return {};
  return {
    RotationEnabled: rotation.rules.AutomaticallyAfterDays !== undefined,
    RotationLambdaARN: rotation.lambdaArn,
    RotationRules: rotation.rules,
    ...(rotation.lastRotatedDate ? { LastRotatedDate: epochSeconds(rotation.lastRotatedDate) } : {}),
    ...(rotation.nextRotationDate ? { NextRotationDate: epochSeconds(rotation.nextRotationDate) } : {}),
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
