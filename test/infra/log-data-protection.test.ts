import { JWT_PATTERN, STORED_INSTRUMENTS_TOKEN_PATTERN, TOKEN_DATA_IDENTIFIERS } from '../../infra/log-data-protection';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Shaped like the tokens BigCommerce issues; signed with nothing, valid nowhere. */
const SAMPLE_JWT = `${base64url({ typ: 'JWT', alg: 'HS256' })}.${base64url({
  store_hash: 'teststore1',
  channel_ids: [1],
  exp: 2000000000,
})}.dpCDgOfbNrz095VARY20yYBRTOuq-W1F0ETTgf1Zhbs`;

/** How CloudWatch Logs applies an identifier: the first match anywhere in the log line. */
const find = (pattern: string, line: string) => new RegExp(pattern).exec(line)?.[0];

describe('the custom data identifiers that mask tokens in the log groups', () => {
  it('match a JWT anywhere in a log line, whole', () => {
    expect(SAMPLE_JWT.startsWith('eyJ')).toBe(true);
    expect(find(JWT_PATTERN, SAMPLE_JWT)).toBe(SAMPLE_JWT);
    expect(find(JWT_PATTERN, `{"level":"INFO","message":"minted","token":"${SAMPLE_JWT}"}`)).toBe(SAMPLE_JWT);
    expect(find(JWT_PATTERN, `Authorization: Bearer ${SAMPLE_JWT}`)).toBe(SAMPLE_JWT);
    const unsigned = SAMPLE_JWT.slice(0, SAMPLE_JWT.lastIndexOf('.') + 1);
    expect(find(JWT_PATTERN, unsigned)).toBe(unsigned);
  });

  it('match a stored-instruments token, prefix included', () => {
    const token = `IAT ${SAMPLE_JWT}`;
    expect(find(STORED_INSTRUMENTS_TOKEN_PATTERN, token)).toBe(token);
    expect(find(STORED_INSTRUMENTS_TOKEN_PATTERN, `{"header":"Authorization","value":"${token}"}`)).toBe(token);
    expect(find(STORED_INSTRUMENTS_TOKEN_PATTERN, `Bearer ${SAMPLE_JWT}`)).toBeUndefined();
  });

  it.each([
    'rotation run finished',
    '{"level":"INFO","message":"rotation run finished","tokenId":"headless","outcome":"skipped"}',
    '2026-05-01T12:34:56.789Z',
    '3f2b8c1e-9d4a-4b7e-8c21-5a6f0e9d1b23',
    'arn:aws:secretsmanager:eu-west-1:111122223333:secret:bigcommerce/abc123xyz/headless-storefront-AbCdEf',
    'IAT pending',
  ])('leave an ordinary log line alone: %s', (line) => {
    for (const { regex } of TOKEN_DATA_IDENTIFIERS) expect(find(regex, line)).toBeUndefined();
  });

  it('respect the limits CloudWatch Logs documents for custom data identifiers', () => {
    // Alphanumerics, the symbols _ # = @ / ; , - and space, and the reserved ^ $ ? [ ] { } | \ * + .
    const supported = /^[A-Za-z0-9_#=@/;, \-^$?[\]{}|\\*+.]+$/;
    expect('(?:a)').not.toMatch(supported);
    expect(TOKEN_DATA_IDENTIFIERS.length).toBeLessThanOrEqual(10);
    for (const { name, regex } of TOKEN_DATA_IDENTIFIERS) {
      expect(name.length).toBeLessThanOrEqual(128);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(regex.length).toBeLessThanOrEqual(200);
      expect(regex).toMatch(supported);
    }
  });
});
