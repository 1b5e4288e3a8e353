import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';

/** Secrets Manager's staging labels, plus the one this product adds to versions whose token it revoked. */
export const STAGES = {
  current: 'AWSCURRENT',
  pending: 'AWSPENDING',
  previous: 'AWSPREVIOUS',
  revoked: 'BCROTATOR_REVOKED',
} as const;

export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
}

export interface SecretDescription {
  arn: string;
  name: string;
  versions: SecretVersionInfo[];
}

/** The secret-store port: the operations of a rotation, in Secrets Manager's own terms. */
export interface SecretStore {
  describe(secretName: string): Promise<SecretDescription>;
  /** The version's SecretString, or undefined when it has none. */
  readVersion(secretName: string, versionId: string): Promise<string | undefined>;
  /** Writes a new version labelled AWSPENDING only; AWSCURRENT is untouched. Returns the version id. */
  stagePending(secretName: string, value: string, clientRequestToken: string): Promise<string>;
  /**
   * Moves AWSCURRENT to `versionId` only if it is still on `expectedCurrent` (a compare-and-swap through
   * RemoveFromVersionId). Throws PromotionConflictError when another run won.
   */
  promote(secretName: string, versionId: string, expectedCurrent: string | undefined): Promise<void>;
  /** Takes AWSPENDING off `versionId`; a label already elsewhere is left alone. */
  clearPending(secretName: string, versionId: string): Promise<void>;
  /** Labels `versionId` as the one whose token was revoked. */
  markRevoked(secretName: string, versionId: string, currentHolder: string | undefined): Promise<void>;
}

/** Another invocation promoted a different version first; this one must not. */
export class PromotionConflictError extends Error {
  override readonly name = 'PromotionConflictError';

  constructor(
    readonly secretName: string,
    readonly currentVersionId: string | undefined,
  ) {
    super(`another rotation of ${secretName} promoted version ${currentVersionId ?? '(none)'} first`);
  }
}

export function stageHolder(description: SecretDescription, stage: string): string | undefined {
  return description.versions.find((v) => v.stages.includes(stage))?.versionId;
}

/** One invocation's view of Secrets Manager: its calls end when the invocation is cut off. */
export class SecretsManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly signal?: AbortSignal,
  ) {}

  async describe(secretName: string): Promise<SecretDescription> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretName }), this.sendOptions());
    return {
      arn: out.ARN ?? secretName,
      name: out.Name ?? secretName,
      versions: Object.entries(out.VersionIdsToStages ?? {}).map(([versionId, stages]) => ({ versionId, stages })),
    };
  }

  async readVersion(secretName: string, versionId: string): Promise<string | undefined> {
    const out = await this.client.send(
      new GetSecretValueCommand({ SecretId: secretName, VersionId: versionId }),
      this.sendOptions(),
    );
    return out.SecretString;
  }

  async stagePending(secretName: string, value: string, clientRequestToken: string): Promise<string> {
    const out = await this.client.send(
      new PutSecretValueCommand({
        SecretId: secretName,
        SecretString: value,
        ClientRequestToken: clientRequestToken,
        VersionStages: [STAGES.pending],
      }),
      this.sendOptions(),
    );
    return out.VersionId ?? clientRequestToken;
  }

  async promote(secretName: string, versionId: string, expectedCurrent: string | undefined): Promise<void> {
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretName,
          VersionStage: STAGES.current,
          MoveToVersionId: versionId,
          ...(expectedCurrent ? { RemoveFromVersionId: expectedCurrent } : {}),
        }),
        this.sendOptions(),
      );
    } catch (error) {
      // The call may have taken effect with its answer lost (an earlier attempt, then a refused retry).
      let holder: string | undefined;
      try {
        holder = stageHolder(await this.describe(secretName), STAGES.current);
      } catch {
        throw error;
      }
      if (holder === versionId) return;
      if (holder !== expectedCurrent) throw new PromotionConflictError(secretName, holder);
      throw error;
    }
  }

  async clearPending(secretName: string, versionId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretName,
          VersionStage: STAGES.pending,
          RemoveFromVersionId: versionId,
        }),
        this.sendOptions(),
      );
    } catch (error) {
      // The label has moved on (a newer run staged its own version): nothing of ours to clear.
      if (!(error instanceof InvalidParameterException)) throw error;
    }
  }

  async markRevoked(secretName: string, versionId: string, currentHolder: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretName,
        VersionStage: STAGES.revoked,
        MoveToVersionId: versionId,
        ...(currentHolder && currentHolder !== versionId ? { RemoveFromVersionId: currentHolder } : {}),
      }),
      this.sendOptions(),
    );
  }

  private sendOptions(): { abortSignal?: AbortSignal } {
    return this.signal ? { abortSignal: this.signal } : {};
  }
}
