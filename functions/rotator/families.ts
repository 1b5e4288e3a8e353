import path from 'node:path';
import type { BigCommerceEndpoints } from '../bigcommerce/endpoints';
import type { BigCommerceHttp } from '../bigcommerce/http';
import type { RotatorKind, TokenFamily } from '../config/types';
import type { FamilyAdapter } from '../rotation/family';

/** The family adapters a rotator function runs, by family. */
export type FamilyAdapters = ReadonlyMap<TokenFamily, FamilyAdapter>;

/**
 * Wires a function's family adapters to one invocation's BigCommerce HTTP client and to the deployment's owner
 * (stackOwner: what a B2B token's ownership mark names). Each entry point passes its own and imports only its
 * own families, so a function's bundle carries no other family's code.
 */
export type FamilyAdapterFactory = (
  http: BigCommerceHttp,
  endpoints: BigCommerceEndpoints,
  owner: string,
) => FamilyAdapters;

export function byFamily(adapters: readonly FamilyAdapter[]): FamilyAdapters {
  return new Map(adapters.map((adapter) => [adapter.family, adapter]));
}

/**
 * The families of a function as its entry point wires them, for handlers built from source by kind (tests).
 * The path is computed so that bundlers do not follow it: a bundle holds one function, whose entry point
 * passes its families itself, and following the path would put every family into every bundle.
 */
export function familiesOf(kind: RotatorKind): FamilyAdapterFactory {
  const entryPoint: { families: FamilyAdapterFactory } = require(path.join(__dirname, '..', `${kind}-rotator`));
  return entryPoint.families;
}
