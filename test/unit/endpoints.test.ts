import { graphqlUrl, isLoopbackHost, resolveEndpoints } from '../../functions/bigcommerce/endpoints';
import { parseWindowReset, readRateLimit } from '../../functions/bigcommerce/rate-limits';

describe('endpoint configuration', () => {
  it('defaults to BigCommerce', () => {
    expect(resolveEndpoints({})).toEqual({
      apiUrl: 'https://api.bigcommerce.com',
      b2bApiUrl: 'https://api-b2b.bigcommerce.com/api/io',
      graphqlUrlTemplate: 'https://store-{storeHash}-{channelId}.mybigcommerce.com/graphql',
    });
    expect(graphqlUrl(resolveEndpoints({}), 'abc', 7)).toBe('https://store-abc-7.mybigcommerce.com/graphql');
  });

  it('allows plain http only for loopback hosts', () => {
    expect(resolveEndpoints({ BIGCOMMERCE_API_URL: 'http://127.0.0.1:4580/' }).apiUrl).toBe('http://127.0.0.1:4580');
    expect(resolveEndpoints({ BIGCOMMERCE_API_URL: 'http://localhost:4580' }).apiUrl).toBe('http://localhost:4580');
    expect(() => resolveEndpoints({ BIGCOMMERCE_API_URL: 'http://proxy.internal:8080' })).toThrow(
      /BIGCOMMERCE_API_URL must use https/,
    );
    expect(() => resolveEndpoints({ BIGCOMMERCE_B2B_API_URL: 'ftp://x' })).toThrow(/BIGCOMMERCE_B2B_API_URL/);
    expect(() =>
      resolveEndpoints({ BIGCOMMERCE_GRAPHQL_URL_TEMPLATE: 'http://shop.example/{storeHash}/{channelId}' }),
    ).toThrow(/GRAPHQL_URL_TEMPLATE must use https/);
  });

  it('refuses a template without its placeholders and URLs with credentials', () => {
    expect(() => resolveEndpoints({ BIGCOMMERCE_GRAPHQL_URL_TEMPLATE: 'https://shop.example/graphql' })).toThrow(
      /must contain \{storeHash\}/,
    );
    expect(() => resolveEndpoints({ BIGCOMMERCE_API_URL: 'https://user:pw@api.example' })).toThrow(
      /must not contain credentials/,
    );
  });

  it('recognises loopback hosts and nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['128.0.0.1', 'localhost.evil.example', '10.0.0.1', '127.0.0.1.nip.io'].some(isLoopbackHost)).toBe(false);
  });
});

describe('rate-limit headers', () => {
  it('reads both header families', () => {
    expect(
      readRateLimit('core', new Headers({ 'x-rate-limit-requests-left': '0', 'x-rate-limit-time-reset-ms': '1500' })),
    ).toEqual({ remaining: 0, resetMs: 1500 });
    expect(
      readRateLimit('b2b', new Headers({ 'x-requests-remaining': '3', 'x-request-window-resets-after': '42s' })),
    ).toEqual({ remaining: 3, resetMs: 42_000 });
  });

  it.each([
    ['42', 42_000],
    ['42s', 42_000],
    ['42 seconds', 42_000],
    ['1 second', 1000],
    ['500ms', 500],
    ['1.5s', 1500],
  ])('parses a window reset of %j', (text, ms) => expect(parseWindowReset(text)).toBe(ms));

  it('ignores what it cannot read', () => {
    expect(parseWindowReset('soon')).toBeUndefined();
    expect(readRateLimit('core', new Headers({ 'x-rate-limit-requests-left': 'many' }))).toEqual({
      remaining: undefined,
      resetMs: undefined,
    });
  });
});
