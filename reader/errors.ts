import type { SecretStage } from './stored-value';

/**
 * AWSCURRENT still holds the placeholder the stack writes before the first rotation (`token: null`): there
 * is nothing to send yet. Not cached, so the first read after the rotation succeeds.
 *
 * @example
 * ```ts
 * import { createTokenReader, NoTokenYetError } from './reader';
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 * try {
 *   await reader.getToken();
 * } catch (error) {
 *   if (!(error instanceof NoTokenYetError)) throw error;
 *   console.log(`${error.secretId} is not ready: the rotator has not run yet`);
 * }
 * ```
 */
export class NoTokenYetError extends Error {
  override readonly name = 'NoTokenYetError';

  constructor(
    readonly secretId: string,
    readonly versionId: string,
  ) {
    super(
      `Secret ${secretId} holds no token yet: the first rotation has not run. The rotator replaces the placeholder ` +
        'on its first scheduled run after deployment; invoke the rotator function to run it now.',
    );
  }
}

/**
 * AWSPREVIOUS holds no token: nothing has been superseded yet (the label is on the placeholder, or on no
 * version at all). A grace-period fallback has nothing to fall back to.
 *
 * @example
 * ```ts
 * import { createTokenReader, NoPreviousTokenError, type ReaderToken } from './reader';
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 *
 * // The superseded token, while its grace period lasts; undefined when nothing has been superseded.
 * export async function previousToken(): Promise<ReaderToken | undefined> {
 *   try {
 *     return await reader.getToken({ stage: 'AWSPREVIOUS' });
 *   } catch (error) {
 *     if (error instanceof NoPreviousTokenError) return undefined;
 *     throw error;
 *   }
 * }
 * ```
 */
export class NoPreviousTokenError extends Error {
  override readonly name = 'NoPreviousTokenError';

  constructor(
    readonly secretId: string,
    options?: { cause?: unknown },
  ) {
    super(`Secret ${secretId} has no previous token at AWSPREVIOUS: no token has been superseded yet`, options);
  }
}

/**
 * The secret holds something this reader cannot use. The message names the secret, the stage, the version
 * and which rule failed, in the reader's own words: never any part of the value, which may be a token, and
 * no `cause` (JSON.parse's message quotes the text it failed on).
 *
 * @example
 * ```ts
 * import { createTokenReader, MalformedSecretError } from './reader';
 *
 * const reader = createTokenReader({ secretId: 'bigcommerce/abc123xyz/headless-storefront' });
 * await reader.getToken().catch((error: unknown) => {
 *   // `problem` names the rule the value broke, never the value.
 *   if (error instanceof MalformedSecretError) console.error(error.secretId, error.stage, error.problem);
 *   throw error;
 * });
 * ```
 */
export class MalformedSecretError extends Error {
  override readonly name = 'MalformedSecretError';

  constructor(
    readonly secretId: string,
    readonly stage: SecretStage,
    readonly versionId: string | undefined,
    readonly problem: string,
  ) {
    super(
      `Secret ${secretId} (${stage}${versionId ? `, version ${versionId}` : ''}) does not hold a token value ` +
        `this reader understands: ${problem}. Check that the secret is one the rotator manages.`,
    );
  }
}
