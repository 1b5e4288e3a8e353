/**
 * The part of `@bigcommerce/catalyst-client` the Catalyst example uses, declared so that the example
 * type-checks without the package: `createClient` takes the storefront token as a fixed string, and a
 * refused request throws BigCommerceAPIError with its HTTP status.
 */
export declare function createClient(config: { storefrontToken: string; storeHash: string; channelId?: string }): {
  fetch<TResult>(request: { document: unknown; variables?: Record<string, unknown> }): Promise<{ data: TResult }>;
};

export declare class BigCommerceAPIError extends Error {
  readonly status: number;
}
