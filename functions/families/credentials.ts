import { BigCommerceApiError } from '../bigcommerce/errors';
import type { FamilyContext } from '../rotation/family';

/**
 * Runs `work` with the store's API account token. A 401 may mean the operator replaced the token in its
 * secret since it was cached, so the cache is dropped and the call tried once more with a fresh read.
 */
export async function withAccessToken<R>(
  context: FamilyContext,
  storeHash: string,
  work: (accessToken: string) => Promise<R>,
): Promise<R> {
  try {
    return await work(await context.credentials.accessToken(storeHash));
  } catch (error) {
    if (!(error instanceof BigCommerceApiError) || error.status !== 401) throw error;
    context.credentials.invalidate(storeHash);
    return await work(await context.credentials.accessToken(storeHash));
  }
}

/** Says what an operator must do about BigCommerce's 401/403 answer about the store-level API account. */
export function explainAccountError(error: unknown, scope: string): unknown {
  if (!(error instanceof BigCommerceApiError)) return error;
  if (error.status === 403) error.hint = `the store's API account needs the ${scope} scope`;
  if (error.status === 401) {
    error.hint = 'the store-level API account token in the credentials secret is not valid for this store';
  }
  return error;
}
