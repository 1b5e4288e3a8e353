/**
 * Errors from talking to BigCommerce. Messages carry the status, the endpoint (a path template, never a
 * URL with credentials) and BigCommerce's own title: enough to act on, never a token.
 */
export class BigCommerceApiError extends Error {
  override readonly name = 'BigCommerceApiError';

  constructor(
    readonly status: number,
    readonly endpoint: string,
    readonly title: string | undefined,
  ) {
    super(`BigCommerce ${endpoint} answered ${status}${title ? `: ${title}` : ''}`);
  }

  /** 5xx, 429 and the like: worth another try later. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** No usable answer at all: timeouts, dropped connections, bodies that are not JSON. */
export class BigCommerceUnavailableError extends Error {
  override readonly name = 'BigCommerceUnavailableError';

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
