import { type RotatorDependencies, createRotatorHandler } from '../rotator/handler';

/** Rotates payments stored-instruments access tokens. */
export const handler = createRotatorHandler('payments');

/** The same handler with substituted dependencies, for local runs (`npm start`, `npm run invoke`). */
export const createHandler = (dependencies: RotatorDependencies) => createRotatorHandler('payments', dependencies);
