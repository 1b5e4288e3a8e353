/**
 * Secrets Manager's staging labels, and this product's own: `revoked` marks a version whose token was
 * revoked, `claim` the version of the rotation in progress (see claim.ts), `released` a claim given up by a
 * run that failed, so the next run need not wait for its lease, `cleaned` the current version once its
 * cleanup is done, so later runs need not look again, and `promotion` the record of the latest promotion that
 * may have come later than its token's mint time says (see promotion.ts).
 */
export const STAGES = {
  current: 'AWSCURRENT',
  pending: 'AWSPENDING',
  previous: 'AWSPREVIOUS',
  revoked: 'BCROTATOR_REVOKED',
  claim: 'BCROTATOR_CLAIM',
  released: 'BCROTATOR_RELEASED',
  cleaned: 'BCROTATOR_CLEANED',
  promotion: 'BCROTATOR_PROMOTION',
} as const;

/** A secret's AWSCURRENT version as a bulk read returns it. */
export interface CurrentVersion {
  arn: string;
  versionId: string;
  /** Every label on this version (AWSCURRENT among them). */
  stages: string[];
  text: string | undefined;
}

export interface SecretVersionInfo {
  versionId: string;
  stages: string[];
}

export interface SecretDescription {
  arn: string;
  name: string;
  versions: SecretVersionInfo[];
  /** When Secrets Manager's own rotation schedule next fires, when one is configured. */
  nextRotationDate?: Date;
}

/**
 * The secret-store port: the operations of a rotation, in Secrets Manager's own terms. The rotation core
 * uses it; aws/secret-store.ts implements it with Secrets Manager.
 */
export interface SecretStore {
  describe(secretName: string): Promise<SecretDescription>;
  /** AWSCURRENT of many secrets, 20 a call, by name; a secret that cannot be read is left out. */
  readCurrentMany(secretNames: string[]): Promise<Map<string, CurrentVersion>>;
  /**
   * The version's SecretString, or undefined when it has none: among them the version RotateSecret creates
   * for createSecret to fill, which an unsuccessful rotation leaves empty under AWSPENDING.
   */
  readVersion(secretName: string, versionId: string): Promise<string | undefined>;
  /** The ids of every version Secrets Manager keeps of the secret, those without a label included. */
  listVersionIds(secretName: string): Promise<string[]>;
  /**
   * Writes the placeholder first version of a secret that has none (it becomes AWSCURRENT). Idempotent:
   * concurrent writers use the same version id and value.
   */
  writePlaceholder(secretName: string, value: string, versionId: string): Promise<void>;
  /**
   * Creates the claim version `versionId` labelled BCROTATOR_CLAIM, and BCROTATOR_PROMOTION too when the claim
   * is made to promote a version staged earlier (`recordsPromotion`). Throws ClaimConflictError when a version
   * with that id already holds other data: another run derived the same claim first.
   */
  claim(secretName: string, value: string, versionId: string, recordsPromotion: boolean): Promise<void>;
  /** Creates the version `versionId`, a record of a promotion about to be made, labelled BCROTATOR_PROMOTION. */
  recordPromotion(secretName: string, value: string, versionId: string): Promise<void>;
  /**
   * Writes a new version labelled AWSPENDING and BCROTATOR_CLAIM (both move from wherever they were);
   * AWSCURRENT is untouched. Returns the version id.
   */
  stagePending(secretName: string, value: string, clientRequestToken: string): Promise<string>;
  /**
   * Moves AWSCURRENT to `versionId` only if it is still on `expectedCurrent` (a compare-and-swap through
   * RemoveFromVersionId). Throws PromotionConflictError when another run won.
   */
  promote(secretName: string, versionId: string, expectedCurrent: string): Promise<void>;
  /** Labels `versionId` BCROTATOR_RELEASED: its claim is given up. */
  release(secretName: string, versionId: string, releasedHolder: string | undefined): Promise<void>;
  /** Moves `label` to `versionId` from `holder` (none: the label is nowhere yet). */
  moveLabel(secretName: string, label: string, versionId: string, holder: string | undefined): Promise<void>;
  /** Takes `label` off `versionId`, which holds it. */
  removeLabel(secretName: string, label: string, versionId: string): Promise<void>;
}

/** Another invocation derived the same claim and created it first. */
export class ClaimConflictError extends Error {
  override readonly name = 'ClaimConflictError';

  constructor(readonly secretName: string) {
    super(`another rotation of ${secretName} claimed it first`);
  }
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

/** The version that holds `stage`, if any does. */
export function stageHolder(description: SecretDescription, stage: string): string | undefined {
  return description.versions.find((v) => v.stages.includes(stage))?.versionId;
}

/** The labels on `versionId`; undefined when no version with this id holds one. */
export function stagesOf(description: SecretDescription, versionId: string): string[] | undefined {
  return description.versions.find((v) => v.versionId === versionId)?.stages;
}
