import type { SecretStage } from './stored-value';

/**
 * AWSCURRENT still holds the placeholder the stack writes before the first rotation (`token: null`): there
 * is nothing to send yet. Not cached, so the first read after the rotation succeeds.
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
