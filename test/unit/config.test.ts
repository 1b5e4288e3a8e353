import { formatDuration, parseDuration } from '../../functions/config/duration';
import { ConfigError } from '../../functions/config/errors';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deployedConfigText, loadConfigFile, readDeployedConfig } from '../../functions/config/load';
import { MIN_REVOKE_SUPERSEDED_GRACE_SECONDS, parseConfig } from '../../functions/config/schema';
import { largeFleetConfig } from '../../sandbox/fleet-config';
import { READER_DEFAULTS } from '../../reader/token-reader';
import { storefrontConfig } from '../support/rotator';

function issuesOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

function withToken(patch: Record<string, unknown>, index = 0): Record<string, unknown> {
  const config = storefrontConfig();
  const tokens = config.tokens as Record<string, unknown>[];
  tokens[index] = { ...tokens[index], ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete tokens[index]![k];
  return config;
}

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['12h', 43_200],
    ['7d', 604_800],
    ['0s', 0],
  ])('parses %s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['7', '7 days', '1.5h', '-1d', 'd', '7w', ''])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats with the largest exact unit', () => {
    expect([formatDuration(172_800), formatDuration(5400), formatDuration(61), formatDuration(0)]).toEqual([
      '2d',
      '90m',
      '61s',
      '0s',
    ]);
  });
});

describe('a valid configuration', () => {
  it('is normalised: seconds, one channelIds list, resolved secret names, analysed schedule', () => {
    const config = parseConfig(storefrontConfig());
    expect(config.tokens[0]).toEqual({
      id: 'headless',
      storeHash: 'teststore1',
      family: 'storefront-private',
      secretName: 'bigcommerce/teststore1/headless',
      channelIds: [1],
      scopes: ['Unauthenticated', 'Customer'],
      lifetimeSeconds: 604_800,
      renewBeforeSeconds: 172_800,
    });
    expect(config.tokens[1]).toMatchObject({
      family: 'storefront',
      channelIds: [1],
      revokeSuperseded: { gracePeriodSeconds: 3600 },
    });
    expect(config.schedules.storefront).toEqual({
      expression: 'rate(1 hour)',
      timeZone: 'UTC',
      maxGapSeconds: 3600,
      derived: true,
    });
    expect(config.eventBusName).toBe('bigcommerce-token-rotator');
  });

  it("accepts a revokeSuperseded grace period as short as the token reader's default maxAgeMs", () => {
    expect(MIN_REVOKE_SUPERSEDED_GRACE_SECONDS * 1000).toBe(READER_DEFAULTS.maxAgeMs);
    const config = parseConfig(withToken({ revokeSuperseded: { gracePeriod: '5m' } }, 1));
    expect(config.tokens[1]).toMatchObject({ revokeSuperseded: { gracePeriodSeconds: 300 } });
  });

  it('derives the payments schedule from the tightest window, or checks the one given', () => {
    const tokens = [
      { id: 'pay-a', store: 'teststore1', family: 'stored-instruments', renewBefore: '30m' },
      { id: 'pay-b', store: 'teststore1', family: 'stored-instruments', lifetime: '2h', renewBefore: '20m' },
    ];
    const config = parseConfig(storefrontConfig({ tokens }));
    expect(config.schedules.payments).toEqual({
      expression: 'rate(15 minutes)',
      timeZone: 'UTC',
      maxGapSeconds: 900,
      derived: true,
    });
    expect(config.tokens[0]).toEqual({
      id: 'pay-a',
      storeHash: 'teststore1',
      family: 'stored-instruments',
      secretName: 'bigcommerce/teststore1/pay-a',
      lifetimeSeconds: 3600,
      renewBeforeSeconds: 1800,
    });
    const slow = storefrontConfig({ tokens, schedules: { payments: { expression: 'rate(30 minutes)' } } });
    expect(issuesOf(slow).join('\n')).toContain(
      'tokens[0].renewBefore: renewBefore (30m) must be at least the longest gap between runs of "rate(30 minutes)" (30m) plus 5m',
    );
  });

  it('honours a secret name override and a prefix', () => {
    const config = parseConfig({ ...withToken({ secretName: 'apps/shop/graphql' }), secretNamePrefix: 'acme' });
    expect(config.tokens.map((t) => t.secretName)).toEqual([
      'apps/shop/graphql',
      'acme/teststore1/browser',
      'acme/teststore1/impersonation',
    ]);
  });

  it('keeps `paused: true` on the token of every family, and nothing for `paused: false`', () => {
    const raw = JSON.parse(readFileSync('rotator.config.json', 'utf8')) as { tokens: Record<string, unknown>[] };
    const paused = parseConfig({ ...raw, tokens: raw.tokens.map((t) => ({ ...t, paused: true })) });
    expect(paused.tokens.map((t) => [t.family, t.paused])).toEqual(raw.tokens.map((t) => [t.family, true]));
    const unpaused = parseConfig({ ...raw, tokens: raw.tokens.map((t) => ({ ...t, paused: false })) });
    expect(unpaused.tokens.filter((t) => 'paused' in t)).toEqual([]);
  });

  it('the example configuration in the repository is valid', () => {
    expect(loadConfigFile('rotator.config.json').config.tokens.length).toBeGreaterThan(0);
  });
});

describe('an invalid configuration names the field and the rule', () => {
  it.each([
    [
      'both channel fields',
      withToken({ channelId: 1, channelIds: [1] }),
      'tokens[0].channelIds: give either channelId or channelIds, not both',
    ],
    ['no channel field', withToken({ channelIds: undefined }), 'tokens[0].channelIds: give channelId or channelIds'],
    ['a repeated channel', withToken({ channelIds: [1, 1] }), 'tokens[0].channelIds: must not repeat a channel id'],
    ['paused as text', withToken({ paused: 'yes' }), 'tokens[0].paused: must be true or false'],
    ['a zero channel id', withToken({ channelIds: [0] }), 'tokens[0].channelIds[0]: must be >= 1'],
    [
      'more than two CORS origins',
      withToken({ allowedCorsOrigins: ['https://a.example', 'https://b.example', 'https://c.example'] }, 1),
      'tokens[1].allowedCorsOrigins: BigCommerce accepts at most 2 CORS origins per token',
    ],
    [
      'an origin with a path',
      withToken({ allowedCorsOrigins: ['https://a.example/shop'] }, 1),
      'tokens[1].allowedCorsOrigins[0]: must be an origin',
    ],
    [
      'a storefront token without origins',
      withToken({ allowedCorsOrigins: undefined }, 1),
      'tokens[1].allowedCorsOrigins: storefront tokens are browser tokens',
    ],
    [
      'renewBefore equal to lifetime',
      withToken({ renewBefore: '7d' }),
      'tokens[0].renewBefore: renewBefore (7d) must be shorter than lifetime (7d)',
    ],
    [
      'renewBefore longer than lifetime',
      withToken({ renewBefore: '8d' }),
      'tokens[0].renewBefore: renewBefore (8d) must be shorter than lifetime (7d)',
    ],
    [
      'an unknown scope',
      withToken({ scopes: ['Admin'] }),
      'tokens[0].scopes[0]: must be one of Unauthenticated, Customer, B2B',
    ],
    ['no scopes', withToken({ scopes: [] }), 'tokens[0].scopes: private tokens need at least one scope'],
    ['a duplicate token id', withToken({ id: 'browser' }), 'tokens[1].id: duplicate token id "browser"'],
    [
      'an unknown store',
      withToken({ store: 'otherstore' }),
      'tokens[0].store: store "otherstore" is not listed under stores',
    ],
    ['a bad duration', withToken({ lifetime: '7 days' }), 'tokens[0].lifetime: "7 days" is not a duration'],
    [
      'an unknown family',
      withToken({ family: 'b2b-magic' }),
      'tokens[0].family: family must be one of storefront-private, storefront, customer-impersonation',
    ],
    ['a misspelt field', withToken({ renewbefore: '1d' }), 'tokens[0]: unknown field "renewbefore"'],
    [
      'revocation on impersonation tokens',
      withToken({ revokeSuperseded: { gracePeriod: '1h' } }, 2),
      'tokens[2]: revokeSuperseded is available only for storefront-private and storefront tokens',
    ],
    [
      'scopes on a storefront token',
      withToken({ scopes: ['Customer'] }, 1),
      'tokens[1]: scopes apply only to storefront-private tokens',
    ],
    ['a token id with capitals', withToken({ id: 'Headless' }), 'tokens[0].id: must be 1-40 lowercase letters'],
    [
      'an over-long lifetime',
      withToken({ lifetime: '400d' }),
      'tokens[0].lifetime: 400d is longer than the 365d maximum',
    ],
    [
      'a grace period shorter than the token reader keeps a token',
      withToken({ revokeSuperseded: { gracePeriod: '299s' } }, 1),
      "tokens[1].revokeSuperseded.gracePeriod: gracePeriod (299s) must be at least 5m, the token reader's default maxAgeMs",
    ],
    [
      'a grace period as long as the lifetime',
      withToken({ revokeSuperseded: { gracePeriod: '30d' } }, 1),
      'tokens[1].revokeSuperseded.gracePeriod: the grace period must be shorter than the lifetime',
    ],
  ])('refuses %s', (_case, input, message) => {
    expect(issuesOf(input).join('\n')).toContain(message);
  });

  it('refuses a renewal window the schedule cannot honour', () => {
    const input = {
      ...withToken({ lifetime: '1d', renewBefore: '1h' }),
      schedules: { storefront: { expression: 'rate(1 hour)' } },
    };
    expect(issuesOf(input).join('\n')).toContain(
      'tokens[0].renewBefore: renewBefore (1h) must be at least the longest gap between runs of "rate(1 hour)" (1h) plus 5m, or the token could expire between two runs',
    );
  });

  it('refuses a stored-instruments window longer than the tokens BigCommerce issues', () => {
    const input = storefrontConfig({
      tokens: [{ id: 'pay', store: 'teststore1', family: 'stored-instruments', lifetime: '20m', renewBefore: '30m' }],
    });
    expect(issuesOf(input).join('\n')).toContain(
      "tokens[0].renewBefore: renewBefore (30m) must be shorter than BigCommerce's token lifetime (20m)",
    );
    const tooTight = storefrontConfig({
      tokens: [{ id: 'pay', store: 'teststore1', family: 'stored-instruments', renewBefore: '5m' }],
    });
    expect(issuesOf(tooTight).join('\n')).toContain(
      'tokens[0].renewBefore: renewBefore (5m) leaves no room for a schedule: it must be at least 6m',
    );
    const channels = storefrontConfig({
      tokens: [{ id: 'pay', store: 'teststore1', family: 'stored-instruments', renewBefore: '30m', channelId: 1 }],
    });
    expect(issuesOf(channels).join('\n')).toContain(
      'tokens[0]: stored-instruments and b2b-backend tokens are not tied to channels',
    );
  });

  it('checks B2B backend tokens: login secret, period against the schedule, grace', () => {
    const b2b = (
      token: Record<string, unknown>,
      store: Record<string, unknown> = { storeHash: 'teststore1', b2bCredentialsSecret: 'b2b-login' },
    ) => ({
      stores: [store],
      tokens: [{ id: 'erp', store: 'teststore1', family: 'b2b-backend', rotationPeriod: '7d', ...token }],
    });
    expect(parseConfig(b2b({})).tokens[0]).toEqual({
      id: 'erp',
      storeHash: 'teststore1',
      family: 'b2b-backend',
      secretName: 'bigcommerce/teststore1/erp',
      rotationPeriodSeconds: 604_800,
      gracePeriodSeconds: 86_400,
    });
    expect(issuesOf(b2b({}, { storeHash: 'teststore1', credentialsSecret: 'api' })).join('\n')).toContain(
      'tokens[0].store: store "teststore1" needs b2bCredentialsSecret',
    );
    expect(issuesOf(b2b({ gracePeriod: '10m' })).join('\n')).toContain(
      'tokens[0].gracePeriod: gracePeriod (10m) must be at least 15m',
    );
    expect(
      issuesOf({ ...b2b({ rotationPeriod: '1d' }), schedules: { b2b: { expression: 'rate(1 day)' } } }).join('\n'),
    ).toContain(
      'tokens[0].rotationPeriod: rotationPeriod (1d) must be at least the longest gap between runs of "rate(1 day)" (1d) plus 5m',
    );
    expect(issuesOf(b2b({ renewBefore: '1d' })).join('\n')).toContain(
      'b2b-backend tokens never expire: set rotationPeriod instead',
    );
    const storefrontWithoutApiAccount = storefrontConfig({
      stores: [{ storeHash: 'teststore1', b2bCredentialsSecret: 'b2b-login' }],
    });
    expect(issuesOf(storefrontWithoutApiAccount).join('\n')).toContain(
      'tokens[0].store: store "teststore1" needs credentialsSecret',
    );
  });

  it('refuses bad schedules and time zones', () => {
    expect(
      issuesOf({ ...storefrontConfig(), schedules: { storefront: { expression: 'every hour' } } }).join('\n'),
    ).toContain('schedules.storefront.expression: expected rate(');
    expect(
      issuesOf({
        ...storefrontConfig(),
        schedules: { storefront: { expression: 'rate(1 hour)', timeZone: 'Mars/Olympus' } },
      }).join('\n'),
    ).toContain('schedules.storefront.timeZone: "Mars/Olympus" is not an IANA time zone name');
  });

  it('lists every problem of a kind at once', () => {
    expect(issuesOf(withToken({ scopes: ['Admin'], lifetime: 'forever' }))).toHaveLength(2);
    const crossField = issuesOf(withToken({ channelId: 1, channelIds: [1], renewBefore: '8d', store: 'nostore' }));
    expect(crossField).toHaveLength(3);
  });

  it('refuses missing stores and tokens, and a second store with the same hash', () => {
    expect(issuesOf({ stores: [], tokens: [] }).join('\n')).toMatch(
      /stores: list at least one store[\s\S]*tokens: list at least one token/,
    );
    const twice = storefrontConfig({
      stores: [
        { storeHash: 'teststore1', credentialsSecret: 'a' },
        { storeHash: 'teststore1', credentialsSecret: 'b' },
      ],
    });
    expect(issuesOf(twice).join('\n')).toContain('stores[1].storeHash: store teststore1 is listed twice');
  });

  it('reports a file that cannot be read or parsed', () => {
    expect(() => loadConfigFile('/nonexistent/rotator.json')).toThrow(
      /cannot read \/nonexistent\/rotator.json: ENOENT/,
    );
    expect(() => loadConfigFile('package.json')).toThrow(ConfigError);
  });
});

describe('the configuration file of a deployed function', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bctr-deployed-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it.each([
    ['the example', () => loadConfigFile('rotator.config.json').config],
    ['5,000 tokens of every family', () => parseConfig(largeFleetConfig())],
  ])('reads back %s exactly as the synth validated it', (name, validated) => {
    const config = validated();
    expect(readDeployedConfig(file(`${name}.json`, deployedConfigText(config)))).toEqual(config);
  });

  it('refuses a configuration as written, which was never validated', () => {
    const asWritten = file('as-written.json', JSON.stringify(storefrontConfig()));
    expect(() => readDeployedConfig(asWritten)).toThrow(ConfigError);
    expect(() => readDeployedConfig(asWritten)).toThrow(/format: not a configuration validated at synth/);
    expect(() => readDeployedConfig(file('null.json', 'null'))).toThrow(/not a configuration validated at synth/);
  });

  it('names a file that is missing or not JSON', () => {
    expect(() => readDeployedConfig(path.join(dir, 'absent.json'))).toThrow(/cannot read .*absent\.json: ENOENT/);
    expect(() =>
      readDeployedConfig(file('cut.json', deployedConfigText(parseConfig(storefrontConfig())).slice(0, 40))),
    ).toThrow(/not valid JSON/);
  });
});

describe("a managed secret's name", () => {
  it.each([
    ['a ".." path segment', { secretName: 'bigcommerce/../team/creds' }, 'has an empty, "." or ".." path segment'],
    ['a "." path segment', { secretName: 'bigcommerce/./headless' }, 'has an empty, "." or ".." path segment'],
    ['an empty path segment', { secretName: 'bigcommerce//headless' }, 'has an empty, "." or ".." path segment'],
    ['a hyphen and six characters at its end', { secretName: 'apps/shop-AbC123' }, 'ends with a hyphen and six'],
    [
      "the store's root-credential secret",
      { secretName: 'bigcommerce/teststore1/api-account' },
      "is a store's root-credential secret",
    ],
  ])('is refused with %s', (_, patch, problem) => {
    expect(issuesOf(withToken(patch))).toEqual([expect.stringContaining(`tokens[0].secretName: secret name`)]);
    expect(issuesOf(withToken(patch))[0]).toContain(problem);
  });

  it('is refused when the one made of the prefix, store and id ends like an ARN, at the id', () => {
    expect(issuesOf(withToken({ id: 'orders-abc123' }))).toEqual([
      expect.stringMatching(
        /^tokens\[0\]\.id: secret name "bigcommerce\/teststore1\/orders-abc123" ends with a hyphen/,
      ),
    ]);
  });
});

describe('unknown fields named like members of every object', () => {
  it.each(['constructor', '__proto__', 'toString'])('are reported by name: %s', (field) => {
    const config = JSON.parse(`{"${field}": 1}`);
    const issues = issuesOf({ ...storefrontConfig(), ...config });
    expect(issues).toEqual([`: unknown field "${field}"`]);
  });
});
