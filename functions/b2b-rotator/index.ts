import { type RotatorDependencies, createRotatorHandler } from '../rotator/handler';

/** Rotates B2B Edition backend (server-to-server) tokens and revokes the stale ones it minted. */
export const handler = createRotatorHandler('b2b');

/** The same handler with substituted dependencies, for local runs (`npm start`, `npm run invoke`). */
export const createHandler = (dependencies: RotatorDependencies) => createRotatorHandler('b2b', dependencies);
