import { inspect } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { useAppBuilder } from '../support/infra';
import { storefrontConfig } from '../support/rotator';

/**
 * The custom data identifiers of the log groups' data protection policy, as synthesized (on the shortcut: the
 * policy does not depend on bundling or on the account and Region; test/infra/synthesis.test.ts checks that every
 * log group synthesized where users stand carries it). JavaScript's RegExp stands in for CloudWatch Logs' engine:
 * the identifiers use only what both read alike (classes, ranges, quantifiers, \W \w \s).
 */
const build = useAppBuilder();
const template = Template.fromStack(build(storefrontConfig(), 'log-data-protection').stack);
const [group] = Object.values(template.findResources('AWS::Logs::LogGroup')) as {
  Properties: { DataProtectionPolicy: any };
}[];
const policy = group?.Properties.DataProtectionPolicy;
const identifiers: { Name: string; Regex: string }[] = policy.Configuration.CustomDataIdentifier;
const regexOf = (name: string) => identifiers.find((i) => i.Name === name)?.Regex as string;

/** How CloudWatch Logs applies an identifier: the first match anywhere in the log line, masked whole. */
const find = (pattern: string, line: string) => new RegExp(pattern).exec(line)?.[0];

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Shaped like the tokens BigCommerce issues; signed with nothing, valid nowhere. */
const SAMPLE_JWT = `${base64url({ typ: 'JWT', alg: 'HS256' })}.${base64url({
  store_hash: 'teststore1',
  channel_ids: [1],
  exp: 2000000000,
})}.dpCDgOfbNrz095VARY20yYBRTOuq-W1F0ETTgf1Zhbs`;
/** Shaped like a store-level API account token (31 lowercase letters and digits); valid nowhere. */
const SAMPLE_API_TOKEN = 'ms4x2y1i0dzm7jfh3ucyvj7m1hm6ub7';
/** Passwords as people choose them: symbols, and spaces. */
const SAMPLE_PASSWORDS = ['Tr0ub4dor&3!#%', 'correct horse battery staple'];

/** A Powertools log line (compact JSON) with `fields`. */
const logLine = (fields: Record<string, unknown>) =>
  JSON.stringify({ level: 'ERROR', message: 'rotation failed', service: 'bigcommerce-token-rotator', ...fields });

/** The forms a field and its value take in a log line: in JSON, echoed into a message once or twice, pretty. */
function jsonForms(field: string, value: string): [string, string][] {
  const object = { [field]: value };
  return [
    ['a field of the JSON line', logLine({ secret: object })],
    ['JSON echoed into a message', logLine({ body: `unexpected answer: ${JSON.stringify(object)}` })],
    ['JSON echoed twice', logLine({ error: JSON.stringify({ body: JSON.stringify(object) }) })],
    ['pretty-printed JSON', JSON.stringify(object, null, 2)],
  ];
}

describe('the custom data identifiers that mask credentials in the log groups', () => {
  it("respect CloudWatch Logs' documented limits, and every one is audited and masked", () => {
    // Alphanumerics, the symbols _ # = @ / ; , - and space, and the reserved ^ $ ? [ ] { } | \ * + .
    const supported = /^[A-Za-z0-9_#=@/;, \-^$?[\]{}|\\*+.]+$/;
    for (const unsupported of ['(?:a)', '"a"', 'a:b', "'a'"]) expect(unsupported).not.toMatch(supported);
    expect(identifiers.length).toBeLessThanOrEqual(10);
    expect(identifiers.map((i) => i.Name)).toEqual([
      'BigCommerceJwt',
      'BigCommerceStoredInstrumentsToken',
      'BigCommerceApiAccountToken',
      'BigCommerceAuthTokenHeader',
      'B2bBackendUserPassword',
    ]);
    for (const { Name, Regex } of identifiers) {
      expect({ Name, length: Name.length <= 128, charset: /^[A-Za-z0-9_-]+$/.test(Name) }).toEqual({
        Name,
        length: true,
        charset: true,
      });
      expect({ Name, length: Regex.length <= 200, charset: supported.test(Regex) }).toEqual({
        Name,
        length: true,
        charset: true,
      });
    }
    expect(policy.Statement.map((s: any) => Object.keys(s.Operation)[0])).toEqual(['Audit', 'Deidentify']);
    for (const statement of policy.Statement) expect(statement.DataIdentifier).toEqual(identifiers.map((i) => i.Name));
  });

  it('match a JWT anywhere in a log line, whole', () => {
    const jwt = regexOf('BigCommerceJwt');
    expect(SAMPLE_JWT.startsWith('eyJ')).toBe(true);
    expect(find(jwt, SAMPLE_JWT)).toBe(SAMPLE_JWT);
    expect(find(jwt, `{"level":"INFO","message":"minted","token":"${SAMPLE_JWT}"}`)).toBe(SAMPLE_JWT);
    expect(find(jwt, `Authorization: Bearer ${SAMPLE_JWT}`)).toBe(SAMPLE_JWT);
    const unsigned = SAMPLE_JWT.slice(0, SAMPLE_JWT.lastIndexOf('.') + 1);
    expect(find(jwt, unsigned)).toBe(unsigned);
  });

  it('match a stored-instruments token, prefix included', () => {
    const iat = regexOf('BigCommerceStoredInstrumentsToken');
    const token = `IAT ${SAMPLE_JWT}`;
    expect(find(iat, token)).toBe(token);
    expect(find(iat, `{"header":"Authorization","value":"${token}"}`)).toBe(token);
    expect(find(iat, `Bearer ${SAMPLE_JWT}`)).toBeUndefined();
  });

  it.each([...jsonForms('accessToken', SAMPLE_API_TOKEN), ...jsonForms('access_token', SAMPLE_API_TOKEN)])(
    'match the API account token in %s',
    (_form, line) => {
      expect(line).toContain(SAMPLE_API_TOKEN);
      expect(find(regexOf('BigCommerceApiAccountToken'), line)).toContain(SAMPLE_API_TOKEN);
    },
  );

  it.each([
    ...jsonForms('X-Auth-Token', SAMPLE_API_TOKEN),
    ...jsonForms('x-auth-token', SAMPLE_API_TOKEN),
    [
      'an HTTP request echoed',
      `POST /stores/abc/v3/storefront/api-token HTTP/1.1\r\nX-Auth-Token: ${SAMPLE_API_TOKEN}\r\n`,
    ],
    ['a header line in lower case', `x-auth-token: ${SAMPLE_API_TOKEN}`],
    [
      "Node's inspection of a headers object",
      inspect({ 'x-auth-token': SAMPLE_API_TOKEN, accept: 'application/json' }),
    ],
  ])('match the X-Auth-Token header in %s', (_form, line) => {
    expect(line).toContain(SAMPLE_API_TOKEN);
    expect(find(regexOf('BigCommerceAuthTokenHeader'), line)).toContain(SAMPLE_API_TOKEN);
  });

  it.each(
    SAMPLE_PASSWORDS.flatMap((password) =>
      jsonForms('password', password).map(([form, line]) => [form, password, line]),
    ),
  )("match the B2B backend user's password in %s (%s)", (_form, password, line) => {
    expect(line).toContain(password);
    expect(find(regexOf('B2bBackendUserPassword'), line)).toContain(password);
  });

  it.each([
    'rotation run finished',
    '{"level":"INFO","message":"rotation run finished","tokenId":"headless","outcome":"skipped"}',
    '2026-05-01T12:34:56.789Z',
    '3f2b8c1e-9d4a-4b7e-8c21-5a6f0e9d1b23',
    'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bigcommerce/abc123xyz/headless-storefront-AbCdEf',
    'IAT pending',
    JSON.stringify({ accessToken: null }),
    JSON.stringify({ password: null }),
    JSON.stringify({ 'x-auth-token': null }),
    JSON.stringify({ field: 'accessToken', problem: 'missing' }),
    JSON.stringify({ header: 'X-Auth-Token', refused: true }),
    logLine({ hint: '{"accessToken": "<store-level API account token>"}' }),
    logLine({ hint: '{"email": "<B2B Edition backend user>", "password": "<their password>"}' }),
    logLine({ error: 'The email or password you have entered is incorrect. Please try again.' }),
    logLine({ error: 'BigCommerce refused the X-Auth-Token: 401 Unauthorized' }),
    logLine({ error: 'store abc123xyz needs credentialsSecret (the store-level API account token)' }),
  ])('leave a harmless log line alone: %s', (line) => {
    for (const { Name, Regex } of identifiers)
      expect({ Name, match: find(Regex, line) }).toEqual({ Name, match: undefined });
  });
});
