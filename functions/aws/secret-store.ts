import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  type PutSecretValueCommandOutput,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import {
  ClaimConflictError,
  type CurrentVersion,
  PromotionConflictError,
  STAGES,
  type SecretDescription,
  type SecretStore,
  stageHolder,
} from '../rotation/secret-store';
import type { RateLimiter } from './write-rate';

/** Secrets BatchGetSecretValue takes at once. */
const BATCH_SIZE = 20;

/** The secret-store port on Secrets Manager, for one invocation: its calls end when the invocation is cut off. */
export class SecretsManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly signal?: AbortSignal,
    /** This container's share of the account's write quota (see put and updateStage). */
    private readonly writes?: RateLimiter,
  ) {}

  async describe(secretName: string): Promise<SecretDescription> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretName }), this.sendOptions());
    return {
      arn: out.ARN ?? secretName,
      name: out.Name ?? secretName,
      // "A list of the versions of the secret that have staging labels attached": a version listed without
      // one (moto lists them) is deprecated, as good as absent.
      versions: Object.entries(out.VersionIdsToStages ?? {})
        .filter(([, stages]) => stages.length > 0)
        .map(([versionId, stages]) => ({ versionId, stages })),
      ...(out.NextRotationDate ? { nextRotationDate: out.NextRotationDate } : {}),
    };
  }

  async readCurrentMany(secretNames: string[]): Promise<Map<string, CurrentVersion>> {
    const found = new Map<string, CurrentVersion>();
    for (let i = 0; i < secretNames.length; i += BATCH_SIZE) {
      const SecretIdList = secretNames.slice(i, i + BATCH_SIZE);
      const out = await this.client.send(new BatchGetSecretValueCommand({ SecretIdList }), this.sendOptions());
      for (const value of out.SecretValues ?? []) {
        if (!value.Name || !value.ARN || !value.VersionId) continue;
        found.set(value.Name, {
          arn: value.ARN,
          versionId: value.VersionId,
          stages: value.VersionStages ?? [],
          text: value.SecretString,
        });
      }
    }
    return found;
  }

  async listVersionIds(secretName: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.client.send(
        new ListSecretVersionIdsCommand({
          SecretId: secretName,
          IncludeDeprecated: true,
          MaxResults: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
        this.sendOptions(),
      );
      for (const version of out.Versions ?? []) if (version.VersionId) ids.push(version.VersionId);
      nextToken = out.NextToken;
    } while (nextToken);
    return ids;
  }

  async readVersion(secretName: string, versionId: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretName, VersionId: versionId }),
        this.sendOptions(),
      );
      return out.SecretString;
    } catch (error) {
      // A version with no value has nothing to return: GetSecretValue answers ResourceNotFoundException, as
      // AWS's rotation function templates expect of the version RotateSecret created. Every caller has just
      // described the secret and names a version it listed.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async writePlaceholder(secretName: string, value: string, versionId: string): Promise<void> {
    await this.put({ SecretId: secretName, SecretString: value, ClientRequestToken: versionId });
  }

  async claim(secretName: string, value: string, versionId: string, recordsPromotion: boolean): Promise<void> {
    try {
      await this.put({
        SecretId: secretName,
        SecretString: value,
        ClientRequestToken: versionId,
        VersionStages: recordsPromotion ? [STAGES.claim, STAGES.promotion] : [STAGES.claim],
      });
    } catch (error) {
      // PutSecretValue: "if the secret data is different, then the operation fails because you can't modify
      // an existing version": the version id is derived, so another run derived it and wrote first.
      if (error instanceof ResourceExistsException) throw new ClaimConflictError(secretName);
      throw error;
    }
  }

  async recordPromotion(secretName: string, value: string, versionId: string): Promise<void> {
    await this.put({
      SecretId: secretName,
      SecretString: value,
      ClientRequestToken: versionId,
      VersionStages: [STAGES.promotion],
    });
  }

  async stagePending(secretName: string, value: string, clientRequestToken: string): Promise<string> {
    const out = await this.put({
      SecretId: secretName,
      SecretString: value,
      ClientRequestToken: clientRequestToken,
      VersionStages: [STAGES.pending, STAGES.claim],
    });
    return out.VersionId ?? clientRequestToken;
  }

  async promote(secretName: string, versionId: string, expectedCurrent: string): Promise<void> {
    try {
      await this.updateStage({
        SecretId: secretName,
        VersionStage: STAGES.current,
        MoveToVersionId: versionId,
        RemoveFromVersionId: expectedCurrent,
      });
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

  release(secretName: string, versionId: string, releasedHolder: string | undefined): Promise<void> {
    return this.moveLabel(secretName, STAGES.released, versionId, releasedHolder);
  }

  async moveLabel(secretName: string, label: string, versionId: string, holder: string | undefined): Promise<void> {
    await this.updateStage({
      SecretId: secretName,
      VersionStage: label,
      MoveToVersionId: versionId,
      ...(holder && holder !== versionId ? { RemoveFromVersionId: holder } : {}),
    });
  }

  async removeLabel(secretName: string, label: string, versionId: string): Promise<void> {
    await this.updateStage({ SecretId: secretName, VersionStage: label, RemoveFromVersionId: versionId });
  }

  /** PutSecretValue and UpdateSecretVersionStage count against the account's write quota: both are paced. */
  private async put(input: PutSecretValueCommandInput): Promise<PutSecretValueCommandOutput> {
    await this.writes?.acquire();
    return this.client.send(new PutSecretValueCommand(input), this.sendOptions());
  }

  private async updateStage(input: UpdateSecretVersionStageCommandInput): Promise<void> {
    await this.writes?.acquire();
    await this.client.send(new UpdateSecretVersionStageCommand(input), this.sendOptions());
  }

  private sendOptions(): { abortSignal?: AbortSignal } {
    return this.signal ? { abortSignal: this.signal } : {};
  }
}
