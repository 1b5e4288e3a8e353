import type { SandboxResponse } from '../http';

/** Where BigCommerce's v3 error bodies point their `type`. */
export const STATUS_CODES_URL = 'https://developer.bigcommerce.com/docs/start/about/status-codes';

/** BigCommerce v3 REST error body: `{ status, title, type, errors? }`. */
export function v3Error(
  status: number,
  title: string,
  errors?: Record<string, string>,
  headers?: Record<string, string>,
): SandboxResponse {
  return { status, headers, body: { status, title, type: STATUS_CODES_URL, ...(errors ? { errors } : {}) } };
}

/** B2B Edition envelope: `{ code, data, meta: { message } }`. */
export function b2bResponse(
  code: number,
  data: unknown,
  message: string,
  extraMeta: Record<string, unknown> = {},
  headers?: Record<string, string>,
): SandboxResponse {
  return { status: code, headers, body: { code, data, meta: { message, ...extraMeta } } };
}

/** B2B Edition error: the message goes in `data.errMsg`, the category in `meta.message`. */
export function b2bError(
  code: number,
  errMsg: string,
  message: string,
  headers?: Record<string, string>,
): SandboxResponse {
  return b2bResponse(code, { errMsg }, message, {}, headers);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}
