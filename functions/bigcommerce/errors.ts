/**
 * BigCommerce's own error titles that an operator may see: HTTP reason phrases (its v3 `title`) and the B2B
 * Edition messages its spec documents (`authentication.yaml`: `errMsg`, `meta.message`). Anything else in an
 * error body is untrusted text (it can echo the request, credentials included) and is never repeated.
 */
export const KNOWN_ERROR_TITLES: ReadonlySet<string> = new Set([
  'Bad Request',
  'Unauthorized',
  'Forbidden',
  'Not Found',
  'Method Not Allowed',
  'Conflict',
  'Unprocessable Entity',
  'Too Many Requests',
  'Internal Server Error',
  'Bad Gateway',
  'Service Unavailable',
  'Gateway Timeout',
  'The email or password you have entered is incorrect. Please try again.',
  'role forbidden',
  'API logic error',
  'Customer auth failed',
]);

/**
 * A BigCommerce answer with an error status. The message carries the status, the endpoint (a path
 * template, never a URL with credentials) and BigCommerce's title only when it is a known one; the raw
 * body stays on the error for a redacted debug log line and is never part of the message.
 */
export class BigCommerceApiError extends Error {
  override readonly name = 'BigCommerceApiError';
  /** What the operator should do, when the caller knows (e.g. the scope an API account lacks). */
  hint: string | undefined;

  constructor(
    readonly status: number,
    readonly endpoint: string,
    readonly title: string | undefined,
    readonly body?: unknown,
  ) {
    super(`BigCommerce ${endpoint} answered ${status}${title ? ` (${title})` : ''}`);
  }

  /** 5xx, 429 and the like: worth another try later. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** No usable answer at all: timeouts, dropped connections, bodies that are not JSON. */
export class BigCommerceUnavailableError extends Error {
  override readonly name = 'BigCommerceUnavailableError';
  readonly ownMessage = true;

  constructor(
    readonly endpoint: string,
    readonly reason: string,
  ) {
    super(`BigCommerce ${endpoint} gave no usable answer: ${reason}`);
  }
}

/** A 2xx answer whose body does not have the documented shape. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  readonly ownMessage = true;

  constructor(
    readonly endpoint: string,
    problem: string,
  ) {
    super(`BigCommerce ${endpoint} answered in an unexpected shape: ${problem}`);
  }
}

/** Endpoint configuration that cannot be used safely. */
export class EndpointConfigError extends Error {
  override readonly name = 'EndpointConfigError';
}
