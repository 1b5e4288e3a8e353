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

/** A fleet's configuration, as written in a configuration file. */
export type FleetConfig = { stores: Record<string, unknown>[]; tokens: Record<string, unknown>[] };

/**
 * A fleet configuration for tests and benchmarks: `perStore` private storefront tokens (`<store>-t<n>`,
 * PRIVATE_TOKEN) in each store, each store with its API account secret.
 */
export function privateFleetConfig(stores: string[], perStore: number): FleetConfig {
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

/**
 * A fleet with every family: each store with its API account and B2B login secrets and four tokens, one for
 * each function's families (a private and a storefront token for the storefront rotator, a stored-instruments
 * token for the payments rotator, a B2B backend token).
 */
export function mixedFleetConfig(stores: string[]): FleetConfig {
  return {
    stores: stores.map((storeHash) => ({
      storeHash,
      credentialsSecret: `bigcommerce/${storeHash}/api-account`,
      b2bCredentialsSecret: `bigcommerce/${storeHash}/b2b-login`,
    })),
    tokens: stores.flatMap((store) => [
      { id: `${store}-headless`, store, ...PRIVATE_TOKEN },
      {
        id: `${store}-browser`,
        store,
        family: 'storefront',
        channelId: 1,
        allowedCorsOrigins: ['https://shop.example.com'],
        lifetime: '30d',
        renewBefore: '7d',
      },
      { id: `${store}-instruments`, store, family: 'stored-instruments', lifetime: '1h', renewBefore: '30m' },
      { id: `${store}-erp`, store, family: 'b2b-backend', rotationPeriod: '7d' },
    ]),
  };
}

/** The large fleet's size: the synth check, the infrastructure tests and the bench deploy this many tokens. */
export const LARGE_FLEET = { stores: 1_250, tokens: 5_000 } as const;

/**
 * Stores of the large fleet with a token of every family: more than a function names one by one (10), so each
 * function's root-credential permission is grouped as in a large fleet, and every function exists.
 */
const LARGE_FLEET_MIXED_STORES = 12;

/**
 * The large fleet: 5,000 tokens across 1,250 stores, four a store, nearly all private storefront tokens (the
 * storefront function rotates 4,976 of them) and 12 stores with one token of each function's families.
 */
export function largeFleetConfig(): FleetConfig {
  const stores = storeNames('fleet', LARGE_FLEET.stores);
  const mixed = mixedFleetConfig(stores.slice(0, LARGE_FLEET_MIXED_STORES));
  const rest = privateFleetConfig(stores.slice(LARGE_FLEET_MIXED_STORES), LARGE_FLEET.tokens / LARGE_FLEET.stores);
  return { stores: [...mixed.stores, ...rest.stores], tokens: [...mixed.tokens, ...rest.tokens] };
}
