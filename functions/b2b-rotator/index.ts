import { B2bTokensClient } from '../bigcommerce/b2b-tokens';
import { B2bBackendFamilyAdapter } from '../families/b2b-backend';
import { type FamilyAdapterFactory, byFamily } from '../rotator/families';
import { rotatorFunction } from '../rotator/handler';

export const families: FamilyAdapterFactory = (http, endpoints, owner) =>
  byFamily([new B2bBackendFamilyAdapter(new B2bTokensClient(http, endpoints), owner)]);

/**
 * Rotates B2B Edition backend (server-to-server) tokens and revokes the stale ones it minted; `createHandler`
 * is for local runs.
 */
export const { handler, createHandler } = rotatorFunction('b2b', families);
