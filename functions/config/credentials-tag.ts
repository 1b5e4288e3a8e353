import { PRODUCT_NAME } from './types';

/**
 * The root credentials a function reads: the store-level API account token (storefront and payments
 * families) or the B2B Edition backend user's login (b2b-backend).
 */
export type RootCredential = 'api-account' | 'b2b-login';

/** Secrets Manager's longest tag key. */
const MAX_TAG_KEY_LENGTH = 128;

/**
 * The tag that opens a root-credential secret to one stack's functions: its key names the stack, so one secret
 * may serve several stacks (one tag each), and its value names what the secret holds, so the B2B function never
 * reads an API account token nor the others a B2B login. The operator puts it on when creating the secret.
 */
export function credentialsTag(stackName: string, credential: RootCredential): { key: string; value: string } {
  const key = `${PRODUCT_NAME}:${stackName}`;
  if (key.length > MAX_TAG_KEY_LENGTH) {
    throw new Error(
      `the stack name "${stackName}" is too long to name in a tag key (${key.length} characters, Secrets Manager allows ${MAX_TAG_KEY_LENGTH}): use a stack name of at most ${MAX_TAG_KEY_LENGTH - PRODUCT_NAME.length - 1} characters`,
    );
  }
  return { key, value: credential };
}

/** The command that puts the tag on, for a hint. */
export function tagCommand(secretName: string, tag: { key: string; value: string }): string {
  return `aws secretsmanager tag-resource --secret-id ${secretName} --tags Key=${tag.key},Value=${tag.value}`;
}
