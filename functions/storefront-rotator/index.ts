import { type RotatorDependencies, createRotatorHandler } from '../rotator/handler';

/** Rotates private, storefront and customer-impersonation tokens. */
export const handler = createRotatorHandler('storefront');

/** The same handler with substituted dependencies, for local runs (`npm start`, `npm run invoke`). */
export const createHandler = (dependencies: RotatorDependencies) => createRotatorHandler('storefront', dependencies);
