/**
 * The consumer side of the BigCommerce token rotator: reads a managed token's secret and answers with what
 * to send. Importable on its own: it depends on the Secrets Manager client only, nothing else of the product.
 */
export { MalformedSecretError, NoPreviousTokenError, NoTokenYetError } from './errors';
export type { SecretStage } from './stored-value';
export {
  createTokenReader,
  type ReaderClock,
  type ReaderToken,
  type TokenReader,
  type TokenReaderOptions,
} from './token-reader';
