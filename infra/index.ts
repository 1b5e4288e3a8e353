/**
 * The CDK side of the BigCommerce token rotator, for an app of one's own: the BigCommerceTokenRotator construct
 * (or TokenRotatorStack, a stack holding only it), and the configuration's types and loader.
 */
export {
  BigCommerceTokenRotator,
  type BigCommerceTokenRotatorProps,
  MANAGED_SECRET_TAG,
  TokenRotatorStack,
  type TokenRotatorStackProps,
} from './stack';
export type { RotatorFunction } from './rotator-function';
export type { TokenShardStack } from './token-shards';
export { ConfigError, type ConfigIssue } from '../functions/config/errors';
export { loadConfigFile, parseConfigText } from '../functions/config/load';
export type * from '../functions/config/types';
