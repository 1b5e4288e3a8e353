/** A private storefront token's settings: channel 1, the Customer scope, 7 days, renewed 2 days before expiry. */
export const PRIVATE_TOKEN = {
  family: 'storefront-private',
  channelIds: [1],
  scopes: ['Customer'],
  lifetime: '7d',
  renewBefore: '2d',
} as const;

/** `count` store hashes, `<prefix>0000` on: the same on every run. */
export function storeNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
}

/**
 * A fleet configuration for tests and benchmarks: `perStore` private storefront tokens (`<store>-t<n>`,
 * PRIVATE_TOKEN) in each store, each store with its API account secret.
 */
export function privateFleetConfig(stores: string[], perStore: number): Record<string, unknown> {
  return {
    stores: stores.map((storeHash) => ({ storeHash, credentialsSecret: `bigcommerce/${storeHash}/api-account` })),
    tokens: stores.flatMap((store) =>
      Array.from({ length: perStore }, (_, n) => ({
        id: `${store}-t${n}`,
        store,
        ...PRIVATE_TOKEN,
      })),
    ),
  };
}
