import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * A day of a consumer asking for its token once a second while the rotator replaces it on schedule, for
 * counting GetSecretValue calls. No jest here: the same simulation measures other readers too.
 */
export interface Rotation {
  name: string;
  lifetimeMs: number;
  /** The rotator mints a new token when this much lifetime is left. */
  renewBeforeMs: number;
  /** Age of the current token when the day starts. */
  ageAtStartMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Rotations fall between reads, not on a round minute where a cache period could end exactly. */
const OFFSET_MS = 433_000;

/** `stored-instruments` as rotator.config.json has it: lifetime 1h, renewBefore 30m. */
export const HOURLY: Rotation = {
  name: 'expires every hour',
  lifetimeMs: HOUR,
  renewBeforeMs: HOUR / 2,
  ageAtStartMs: OFFSET_MS,
};
/** `storefront-private` as rotator.config.json has it: lifetime 7d, renewBefore 2d; one rotation near noon. */
export const WEEKLY: Rotation = {
  name: 'expires every 7 days',
  lifetimeMs: 7 * DAY,
  renewBeforeMs: 2 * DAY,
  ageAtStartMs: 4.5 * DAY + OFFSET_MS,
};

export const DAY_START = Date.parse('2026-11-21T00:00:00.000Z');

/** The secret's versions over the day: version n is minted n rotation periods after the first. */
export class SimulatedSecret {
  private readonly firstMintedAt: number;
  private readonly periodMs: number;

  constructor(private readonly rotation: Rotation) {
    this.firstMintedAt = DAY_START - rotation.ageAtStartMs;
    this.periodMs = rotation.lifetimeMs - rotation.renewBeforeMs;
  }

  versionAt(nowMs: number, stage: string): { versionId: string; expiresAtMs: number; text: string } {
    const n = Math.floor((nowMs - this.firstMintedAt) / this.periodMs) - (stage === 'AWSPREVIOUS' ? 1 : 0);
    const mintedAt = this.firstMintedAt + n * this.periodMs;
    const expiresAtMs = mintedAt + this.rotation.lifetimeMs;
    const text = JSON.stringify({
      schemaVersion: 1,
      token: `simulated-token-${n}`,
      tokenId: 'simulated',
      family: 'stored-instruments',
      storeHash: 'abc123xyz',
      mintedAt: new Date(mintedAt).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
      usage: { header: 'Authorization', valuePrefix: '' },
    });
    return { versionId: `v${n}`, expiresAtMs, text };
  }
}

/** A real SDK client whose GetSecretValue is answered from the simulated secret and counted, offline. */
export function simulatedClient(
  secret: SimulatedSecret,
  nowMs: () => number,
): { client: SecretsManagerClient; calls: () => number } {
  let calls = 0;
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'simulated', secretAccessKey: 'simulated' },
  });
  client.middlewareStack.add(
    () => async (args) => {
      calls += 1;
      const stage = (args.input as { VersionStage?: string }).VersionStage ?? 'AWSCURRENT';
      const version = secret.versionAt(nowMs(), stage);
      return {
        output: {
          $metadata: { httpStatusCode: 200 },
          Name: 'simulated',
          VersionId: version.versionId,
          SecretString: version.text,
          VersionStages: [stage],
        },
        response: {},
      } as never;
    },
    { step: 'initialize', name: 'simulatedSecret' },
  );
  return { client, calls: () => calls };
}

export interface DayReport {
  getTokenCalls: number;
  getSecretValueCalls: number;
  /** Seconds in which the consumer held a token past its expiry. */
  expiredSeconds: number;
  /** Longest stretch, in seconds, the consumer kept a superseded token. */
  longestSupersededSeconds: number;
}

/**
 * Asks `getToken` once a second for a day, moving the simulated time with `setNow` before each call.
 * `getToken` answers the version it used and its expiry.
 */
export async function simulateDay(
  rotation: Rotation,
  setNow: (ms: number) => void,
  getToken: () => Promise<{ versionId: string; expiresAt: Date | null }>,
  calls: () => number,
): Promise<DayReport> {
  const secret = new SimulatedSecret(rotation);
  let expiredSeconds = 0;
  let superseded = 0;
  let longestSupersededSeconds = 0;
  let getTokenCalls = 0;
  for (let second = 0; second < DAY / 1000; second += 1) {
    const now = DAY_START + second * 1000;
    setNow(now);
    const token = await getToken();
    getTokenCalls += 1;
    if (token.expiresAt && token.expiresAt.getTime() <= now) expiredSeconds += 1;
    superseded = token.versionId === secret.versionAt(now, 'AWSCURRENT').versionId ? 0 : superseded + 1;
    longestSupersededSeconds = Math.max(longestSupersededSeconds, superseded);
  }
  return { getTokenCalls, getSecretValueCalls: calls(), expiredSeconds, longestSupersededSeconds };
}
