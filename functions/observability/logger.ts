import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { SERVICE_NAME } from './log-names';
import { redactor } from './redaction';

/** The logging port the domain code uses; structured attributes, never secrets. */
export interface Log {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export { ROTATION_FAILED_MESSAGE, SERVICE_NAME } from './log-names';

/** Structured JSON logs through Powertools, with every message and attribute passed through the redactor. */
export class RedactingLogger implements Log {
  private readonly logger: Logger;

  constructor(serviceName: string = SERVICE_NAME) {
    this.logger = new Logger({ serviceName });
  }

  /** Adds the Lambda request id and function name to every following line. */
  useContext(context: Context): void {
    this.logger.addContext(context);
  }

  debug(message: string, attributes?: Record<string, unknown>): void {
    this.logger.debug(redactor.redact(message), redactor.redactDeep(attributes ?? {}));
  }

  info(message: string, attributes?: Record<string, unknown>): void {
    this.logger.info(redactor.redact(message), redactor.redactDeep(attributes ?? {}));
  }

  warn(message: string, attributes?: Record<string, unknown>): void {
    this.logger.warn(redactor.redact(message), redactor.redactDeep(attributes ?? {}));
  }

  error(message: string, attributes?: Record<string, unknown>): void {
    this.logger.error(redactor.redact(message), redactor.redactDeep(attributes ?? {}));
  }
}
