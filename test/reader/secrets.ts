import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Sandbox } from '../../sandbox';

/** The placeholder the stack writes first (functions/rotation/stored-token.ts's placeholderValue). */
export function placeholder(tokenId = 'headless'): string {
  return JSON.stringify({
    schemaVersion: 1,
    token: null,
    status: 'awaiting-first-rotation',
    tokenId,
    family: 'storefront-private',
    storeHash: 'teststore1',
  });
}

/** A token value in the rotator's format; the token is random unless given. */
export function tokenValue(
  options: { token?: string; expiresAt?: Date | null; header?: string; valuePrefix?: string } = {},
): { text: string; token: string } {
  const token = options.token ?? `tok.${randomUUID()}.${randomUUID()}`;
  const text = JSON.stringify({
    schemaVersion: 1,
    token,
    tokenId: 'headless',
    family: 'storefront-private',
    storeHash: 'teststore1',
    mintedAt: new Date().toISOString(),
    expiresAt: options.expiresAt === undefined ? null : (options.expiresAt?.toISOString() ?? null),
    usage: { header: options.header ?? 'Authorization', valuePrefix: options.valuePrefix ?? 'Bearer ' },
    channelIds: [1],
    scopes: ['Unauthenticated'],
  });
  return { text, token };
}

let counter = 0;

/** A new secret holding the placeholder, as the stack creates it. */
export async function createSecret(client: SecretsManagerClient): Promise<string> {
  counter += 1;
  const name = `bigcommerce/teststore1/reader-${counter}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateSecretCommand({ Name: name, SecretString: placeholder() }));
  return name;
}

/** Writes a new AWSCURRENT version (the previous one becomes AWSPREVIOUS), as a promotion does. */
export async function putCurrent(client: SecretsManagerClient, name: string, text: string): Promise<string> {
  const out = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: text }));
  return out.VersionId as string;
}

/** GetSecretValue requests the sandbox's AWS endpoint has answered so far. */
export function getSecretValueCalls(sandbox: Sandbox): number {
  return sandbox.aws.server.requests((r) => r.operation === 'GetSecretValue').length;
}
