/**
 * BigCommerce's own error titles that an operator may see: HTTP reason phrases (its v3 `title`) and the B2B
 * Edition messages its specs document (`errMsg`, `meta.message`: `authentication.yaml` for `/auth/backend` and
 * `/backend/tokens`, `auth.yaml` for the storefront login). Anything else in an error body is untrusted text
 * (it can echo the request, credentials included) and is never repeated.
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
  'Invalid token header. No credentials provided.',
  'No matching token was found.',
  'Not Found Error',
  'Customer auth failed',
]);

/**
 * BigCommerce's title in an error body (v3 `title`, B2B Edition `data.errMsg` / `meta.message`), only when it
 * is a known one.
 */
export function knownTitle(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as { title?: unknown; data?: { errMsg?: unknown }; meta?: { message?: unknown } };
  return [b.title, b.data?.errMsg, b.meta?.message]
    .map((t) => (typeof t === 'string' ? t.trim() : undefined))
    .find((t): t is string => t !== undefined && KNOWN_ERROR_TITLES.has(t));
}

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
