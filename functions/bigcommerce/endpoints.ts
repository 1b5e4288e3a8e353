import { EndpointConfigError } from './errors';

/** Where BigCommerce's APIs are; overridable for proxies, tests and the local sandbox. */
export interface BigCommerceEndpoints {
  apiUrl: string;
  b2bApiUrl: string;
  /** Contains `{storeHash}` and `{channelId}`. */
  graphqlUrlTemplate: string;
}

export const DEFAULT_ENDPOINTS: BigCommerceEndpoints = {
  apiUrl: 'https://api.bigcommerce.com',
  b2bApiUrl: 'https://api-b2b.bigcommerce.com/api/io',
  graphqlUrlTemplate: 'https://store-{storeHash}-{channelId}.mybigcommerce.com/graphql',
};

/**
 * Reads `BIGCOMMERCE_API_URL`, `BIGCOMMERCE_B2B_API_URL` and `BIGCOMMERCE_GRAPHQL_URL_TEMPLATE`. Plain
 * http is refused except on loopback, because these requests carry store credentials.
 */
export function resolveEndpoints(env: NodeJS.ProcessEnv = process.env): BigCommerceEndpoints {
  const endpoints = {
    apiUrl: checkUrl('BIGCOMMERCE_API_URL', env.BIGCOMMERCE_API_URL ?? DEFAULT_ENDPOINTS.apiUrl),
    b2bApiUrl: checkUrl('BIGCOMMERCE_B2B_API_URL', env.BIGCOMMERCE_B2B_API_URL ?? DEFAULT_ENDPOINTS.b2bApiUrl),
    graphqlUrlTemplate: env.BIGCOMMERCE_GRAPHQL_URL_TEMPLATE ?? DEFAULT_ENDPOINTS.graphqlUrlTemplate,
  };
  for (const placeholder of ['{storeHash}', '{channelId}']) {
    if (!endpoints.graphqlUrlTemplate.includes(placeholder))
      throw new EndpointConfigError(`BIGCOMMERCE_GRAPHQL_URL_TEMPLATE must contain ${placeholder}`);
  }
  checkUrl('BIGCOMMERCE_GRAPHQL_URL_TEMPLATE', graphqlUrl(endpoints, 'storehash', 1));
  return endpoints;
}

export function graphqlUrl(endpoints: BigCommerceEndpoints, storeHash: string, channelId: number): string {
  return endpoints.graphqlUrlTemplate
    .replaceAll('{storeHash}', encodeURIComponent(storeHash))
    .replaceAll('{channelId}', String(channelId));
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Refuses anything but https, or http to a loopback host. */
export function assertSafeUrl(url: URL, label: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new EndpointConfigError(
    `${label} must use https (plain http is allowed only for loopback hosts), got ${url.protocol}//${url.host}`,
  );
}

function checkUrl(label: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EndpointConfigError(`${label} is not a valid URL`);
  }
  if (url.username || url.password) throw new EndpointConfigError(`${label} must not contain credentials`);
  assertSafeUrl(url, label);
  return value.replace(/\/+$/, '');
}
