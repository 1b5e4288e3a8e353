import type { SandboxRequest, SandboxResponse } from '../http';

/**
 * Hostile mode: BigCommerce's error bodies are text the client does not control, and a server (or a proxy in
 * front of it) may quote the request back, credentials included. While the mode is on, every error answer of
 * the simulator carries the request that caused it, in one of these forms, wherever BigCommerce puts its
 * words, so a client can be tested for what it logs, reports or stores from an error.
 */
export const HOSTILE_ECHO_FORMS = ['verbatim', 'escaped', 'upper', 'base64', 'url', 'padded'] as const;
export type HostileEcho = (typeof HOSTILE_ECHO_FORMS)[number];

export interface HostileMode {
  echo: HostileEcho;
  /**
   * `padded` only: characters of filler before the echo (295 by default, so that a client cutting the text at
   * 300 characters cuts the first credential of the echo). Other values move the cut elsewhere.
   */
  padding?: number;
}

export const DEFAULT_HOSTILE_PADDING = 295;

/** Header values the simulator authenticates with; the echo quotes them first, as a complaint about them would. */
const CREDENTIAL_HEADERS = ['x-auth-token', 'authtoken', 'sf-api-token', 'authorization'];
/** Body fields holding a credential (`POST /auth/backend` sends the B2B user's password). */
const CREDENTIAL_FIELDS = ['password'];

const FILLER = 'The request could not be processed. ';

export function validateHostileMode(mode: unknown): HostileMode {
  if (mode === null || typeof mode !== 'object')
    throw new TypeError('hostile mode must be an object like {"echo":"verbatim"}');
  const { echo, padding } = mode as { echo?: unknown; padding?: unknown };
  if (typeof echo !== 'string' || !(HOSTILE_ECHO_FORMS as readonly string[]).includes(echo))
    throw new TypeError(`echo must be one of ${HOSTILE_ECHO_FORMS.join(', ')}, got ${JSON.stringify(echo)}`);
  if (padding !== undefined && !(typeof padding === 'number' && Number.isInteger(padding) && padding >= 0))
    throw new RangeError(`padding must be a non-negative integer, got ${JSON.stringify(padding)}`);
  return { echo: echo as HostileEcho, ...(padding !== undefined ? { padding } : {}) };
}

/**
 * The request as the simulator received it: first the credentials it carried (header values, then credential
 * fields of a JSON body), then the request line, every header as `name: value` in the order received, a blank
 * line and the raw body. Putting the credentials first means a fixed cut after the filler of `padded` lands
 * inside one.
 */
export function requestEcho(request: SandboxRequest): string {
  const credentials: string[] = [];
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.headers[name];
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) credentials.push(v);
  }
  const body = parseObject(request.rawBody);
  for (const field of CREDENTIAL_FIELDS) {
    const value = body?.[field];
    if (typeof value === 'string') credentials.push(value);
  }
  const query = request.query.toString();
  const lines = [
    ...(credentials.length > 0 ? [credentials.join(' ')] : []),
    `${request.method} ${request.path}${query ? `?${query}` : ''}`,
    ...Object.entries(request.headers).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => `${name}: ${v}`),
    ),
    '',
    request.rawBody,
  ];
  return lines.join('\n');
}

/** The echo in the mode's form: what replaces BigCommerce's words in an error answer. */
export function hostileText(mode: HostileMode, original: string, request: SandboxRequest): string {
  const echo = requestEcho(request);
  switch (mode.echo) {
    case 'verbatim':
      return `${original}: ${echo}`;
    case 'escaped':
      return `${original}: ${JSON.stringify(echo).slice(1, -1)}`;
    case 'upper':
      return `${original}: ${echo}`.toUpperCase();
    case 'base64':
      return `${original}: ${Buffer.from(echo, 'utf8').toString('base64')}`;
    case 'url':
      return `${original}: ${encodeURIComponent(echo)}`;
    case 'padded':
      return `${filler(`${original} `, mode.padding ?? DEFAULT_HOSTILE_PADDING)}${echo}`;
  }
}

/**
 * Rewrites an error answer of the simulator so that its words carry the echo: v3 `title` and `detail`, B2B
 * Edition `data.errMsg` and `meta.message`, GraphQL `errors[].message`. Success answers pass unchanged.
 */
export function makeHostile(mode: HostileMode, response: SandboxResponse, request: SandboxRequest): SandboxResponse {
  if (response.status < 400 || response.body === null || typeof response.body !== 'object') return response;
  const body = response.body as Record<string, unknown>;
  const text = (original: unknown) => hostileText(mode, typeof original === 'string' ? original : '', request);

  if (typeof body.title === 'string') {
    return { ...response, body: { ...body, title: text(body.title), detail: text(body.detail ?? body.title) } };
  }
  const data = body.data as Record<string, unknown> | undefined;
  const meta = body.meta as Record<string, unknown> | undefined;
  if (typeof data?.errMsg === 'string' || typeof meta?.message === 'string') {
    return {
      ...response,
      body: {
        ...body,
        data: { ...data, errMsg: text(data?.errMsg ?? meta?.message) },
        meta: { ...meta, message: text(meta?.message ?? data?.errMsg) },
      },
    };
  }
  if (Array.isArray(body.errors)) {
    const errors = body.errors.map((e: unknown) =>
      e !== null && typeof e === 'object' ? { ...e, message: text((e as { message?: unknown }).message) } : e,
    );
    return { ...response, body: { ...body, errors } };
  }
  return response;
}

/** `lead` followed by filler, exactly `length` characters (the lead is cut when it is longer). */
function filler(lead: string, length: number): string {
  let out = lead;
  while (out.length < length) out += FILLER;
  return out.slice(0, length);
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
