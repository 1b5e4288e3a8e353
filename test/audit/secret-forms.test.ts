import { randomBytes, randomUUID } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { randomAlphanumeric } from '../../sandbox/bigcommerce/accounts';
import { HOSTILE_ECHO_FORMS, hostileText } from '../../sandbox/bigcommerce/hostile';
import type { SandboxRequest } from '../../sandbox/http';
import { JwtSigner } from '../../sandbox/jwt';
import { GRAM, base64Determined, describeSecret, scanForLeaks, secretForms } from './secret-forms';

/** The secret audit's matcher: each form is found, and unrelated text is not. */

const TOKEN = 'q8v2m4k7z1x9c3b6n5a0s8d7f6g5h4j';
const QUOTED = 'Qx"7\\vR2mZ9pLt';
const SHORT = 'k7#Pq2z';

/** Text of the kind the audit scans, free of any secret: log lines, ids, hashes, a CloudFormation-like blob. */
function unrelatedText(): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i += 1) {
    lines.push(
      JSON.stringify({
        level: 'INFO',
        message: 'rotated token; the previous one stays valid for the grace period',
        requestId: randomUUID(),
        xrayTraceId: `1-${randomBytes(4).toString('hex')}-${randomBytes(12).toString('hex')}`,
        assetHash: randomBytes(32).toString('hex'),
        versionId: randomUUID(),
        digest: randomBytes(24).toString('base64'),
      }),
    );
  }
  return lines.join('\n');
}

function scan(secrets: string[], texts: string[]) {
  return scanForLeaks(secrets, texts).leaks.map(({ text, secret, form, whole }) => ({ text, secret, form, whole }));
}

describe('secret forms', () => {
  it('lists each form once: an alphanumeric secret is its own escaped and URL-encoded form', () => {
    const forms = secretForms(TOKEN).map((f) => f.form);
    expect(forms).toEqual(expect.arrayContaining(['as is', 'base64@0', 'base64@1', 'base64@2']));
    expect(forms).not.toContain('json-escaped');
    expect(forms).not.toContain('url-encoded');
    expect(secretForms(QUOTED).map((f) => f.form)).toEqual(
      expect.arrayContaining([
        'as is',
        'json-escaped',
        'json-escaped twice',
        'url-encoded',
        'json-escaped, url-encoded',
        'json-escaped, base64@0',
      ]),
    );
    expect(new Set(secretForms(QUOTED).map((f) => f.text)).size).toBe(secretForms(QUOTED).length);
  });

  it('keeps of base64 only what the secret alone determines, at each byte alignment', () => {
    for (const k of [0, 1, 2] as const) {
      const determined = base64Determined(TOKEN, k);
      for (const before of ['', 'a', 'ab', 'abc', 'header: ', 'x'.repeat(100)]) {
        if (before.length % 3 !== k) continue;
        for (const after of ['', '!', '?!', ' and more text']) {
          expect(Buffer.from(`${before}${TOKEN}${after}`).toString('base64')).toContain(determined);
          expect(Buffer.from(`${before}${TOKEN}${after}`).toString('base64url')).toContain(
            base64Determined(TOKEN, k, true),
          );
        }
      }
    }
    expect(base64Determined('abc', 0)).toBe('YWJj');
    // One byte in: 'abc' fills bits 8..31, so only the characters for bits 12..23 and 24..29 are its own.
    expect(base64Determined('abc', 1)).toBe(Buffer.from('\0abc').toString('base64').slice(2, 5));
  });
});

describe('scanForLeaks finds', () => {
  it('a secret whole, however short', () => {
    const texts = [`password is ${SHORT}!`, 'ab', unrelatedText()];
    expect(scan([SHORT, 'ab'], texts)).toEqual(
      expect.arrayContaining([
        { text: 0, secret: 0, form: 'as is', whole: true },
        { text: 1, secret: 1, form: 'as is', whole: true },
      ]),
    );
    expect(scan([SHORT], [`password is ${SHORT.slice(0, 6)}`])).toEqual([]);
  });

  it(`a run of ${GRAM} characters of a cut-off secret, but not ${GRAM - 1}`, () => {
    const cut = `BigCommerce answered 401: invalid token ${TOKEN.slice(0, GRAM)}…`;
    expect(scan([TOKEN], [cut])).toEqual([{ text: 0, secret: 0, form: 'as is', whole: false }]);
    expect(scan([TOKEN], [`…${TOKEN.slice(-GRAM)}`])).toHaveLength(1);
    expect(scan([TOKEN], [`invalid token ${TOKEN.slice(3, 3 + GRAM - 1)}…`])).toEqual([]);
  });

  it('a JSON-escaped secret, once or twice', () => {
    const once = JSON.stringify({ message: `login failed for password ${QUOTED}` });
    const twice = JSON.stringify({ report: once });
    expect(once).not.toContain(QUOTED);
    expect(scan([QUOTED], [once, twice])).toEqual([
      { text: 0, secret: 0, form: 'json-escaped', whole: true },
      { text: 1, secret: 0, form: 'json-escaped twice', whole: true },
    ]);
  });

  it('a JSON-escaped secret inside a URL-encoded or base64-encoded JSON body', () => {
    const body = JSON.stringify({ email: 'a@b.example', password: QUOTED });
    const texts = [
      `echo ${encodeURIComponent(body)}`,
      `echo ${Buffer.from(`POST /auth\n\n${body}`).toString('base64')}`,
    ];
    expect(scan([QUOTED], texts)).toEqual([
      { text: 0, secret: 0, form: 'json-escaped, url-encoded', whole: true },
      { text: 1, secret: 0, form: expect.stringMatching(/^json-escaped, base64@[012]$/), whole: true },
    ]);
  });

  it('a URL-encoded secret', () => {
    const text = `GET /auth?${new URLSearchParams({ password: QUOTED }).toString().replace(/\+/g, '%20')}`;
    expect(scan([QUOTED], [`callback ${encodeURIComponent(QUOTED)} failed`, text])).toEqual([
      { text: 0, secret: 0, form: 'url-encoded', whole: true },
      { text: 1, secret: 0, form: 'url-encoded', whole: true },
    ]);
  });

  it.each([0, 1, 2, 3, 4, 5])('a secret inside a longer base64 text, %i bytes in', (offset) => {
    const inner = `${'h'.repeat(offset)}x-auth-token: ${TOKEN}\n{"channel_id":1}`;
    const standard = `title: ${Buffer.from(inner).toString('base64')}`;
    const urlSafe = `title: ${Buffer.from(inner).toString('base64url')}`;
    const [a, b] = [scan([TOKEN], [standard]), scan([TOKEN], [urlSafe])];
    expect(a).toEqual([expect.objectContaining({ form: expect.stringMatching(/^base64(url)?@[012]$/) })]);
    expect(b).toEqual([expect.objectContaining({ form: expect.stringMatching(/^base64(url)?@[012]$/) })]);
    expect(a[0]?.whole && b[0]?.whole).toBe(true);
  });

  it('base64 of a secret with characters where the two alphabets differ', () => {
    // '?' and '>' make base64 characters 62 and 63: '+' and '/' in one alphabet, '-' and '_' in the other.
    const secret = '>>>???>>>???abc';
    const url = scan([secret], [Buffer.from(`xx${secret}`).toString('base64url')]);
    const std = scan([secret], [Buffer.from(`xx${secret}`).toString('base64')]);
    expect(url).toEqual([expect.objectContaining({ form: 'base64url@2' })]);
    expect(std).toEqual([expect.objectContaining({ form: 'base64@2' })]);
  });

  it('an upper-cased secret, case-folded, in each form', () => {
    const texts = [
      `ERROR: ${TOKEN.toUpperCase()}`,
      `ERROR: ${encodeURIComponent(QUOTED).toLowerCase()}`,
      `PASSWORD ${SHORT.toUpperCase()}`,
    ];
    expect(scan([TOKEN, QUOTED, SHORT], texts)).toEqual([
      { text: 0, secret: 0, form: 'as is, case-folded', whole: true },
      { text: 1, secret: 1, form: 'url-encoded, case-folded', whole: true },
      { text: 2, secret: 2, form: 'as is, case-folded', whole: true },
    ]);
  });

  it('each form of the sandbox’s hostile echo, up to where a client cuts it', () => {
    const request: SandboxRequest = {
      method: 'POST',
      path: '/b2b/api/io/auth/backend',
      query: new URLSearchParams(),
      headers: { host: '127.0.0.1:4580', 'content-type': 'application/json', 'x-auth-token': TOKEN },
      rawBody: JSON.stringify({ storeHash: 'abc', email: 'a@b.example', password: QUOTED, name: 'n' }),
    };
    for (const echo of HOSTILE_ECHO_FORMS) {
      const text = JSON.stringify({ error: hostileText({ echo }, 'API logic error', request) });
      const found = scan([TOKEN, QUOTED], [text]);
      expect(found.filter((l) => l.secret === 0)).not.toEqual([]);
      expect(found.filter((l) => l.secret === 1)).not.toEqual([]);
    }
    // A cut at 300 characters after 295 of filler keeps 5 characters of the token: not a leak...
    const cutEarly = hostileText({ echo: 'padded' }, 'Unauthorized', request).slice(0, 300);
    expect(scan([TOKEN], [cutEarly])).toEqual([]);
    // ...20 are.
    const cutLate = hostileText({ echo: 'padded', padding: 280 }, 'Unauthorized', request).slice(0, 300);
    expect(scan([TOKEN], [cutLate])).toEqual([{ text: 0, secret: 0, form: 'as is', whole: false }]);
  });
});

describe('scanForLeaks does not flag', () => {
  it('unrelated text full of ids, hashes and base64', () => {
    // Shaped like the sandbox's API account tokens: 31 random lower-case letters and digits.
    const secrets = Array.from({ length: 300 }, () => randomAlphanumeric(31));
    secrets.push(TOKEN, QUOTED, SHORT);
    const texts = Array.from({ length: 5 }, unrelatedText);
    expect(scan(secrets, texts)).toEqual([]);
  });

  it('the claims of a JWT, which anyone holding it can read: only its signature is secret', () => {
    const signer = new JwtSigner();
    const claims = () => ({ email: 'someone@teststore1.example', store_hash: 'teststore1', jti: randomUUID() });
    const secrets = Array.from({ length: 3 }, () => signer.sign(claims()));
    const [one] = secrets as [string];
    const [header, payload, signature] = one.split('.') as [string, string, string];
    // A request body naming the same store, base64-encoded, shares runs with the payload by chance.
    const body = Buffer.from(JSON.stringify({ storeHash: 'teststore1', email: 'someone@teststore1.example' }));
    expect(scan(secrets, [`cut at ${header}.${payload}`, `echo ${body.toString('base64')}`])).toEqual([]);
    expect(scan(secrets, [`…${signature.slice(0, GRAM)}`])).toEqual([
      { text: 0, secret: 0, form: 'JWT signature, as is', whole: false },
    ]);
    // `IAT <jwt>` is the same secret: both are named.
    expect(scan([one, `IAT ${one}`], [`token ${one}`])).toEqual([
      { text: 0, secret: 0, form: 'JWT signature, as is', whole: true },
      { text: 0, secret: 1, form: 'JWT signature, as is', whole: true },
    ]);
  });

  it('runs that unrelated secrets share', () => {
    const secrets = ['shared-prefix-Xq7Zp2', 'shared-prefix-Kw9Vb4'];
    expect(scan(secrets, ['see shared-prefix-…'])).toEqual([]);
    expect(scan(secrets, ['see shared-prefix-Kw9V'])).toEqual([{ text: 0, secret: 1, form: 'as is', whole: false }]);
  });

  it('lower-cased hex runs, which ids and hashes match by chance once case is folded', () => {
    // Upper-case hex in a secret folds onto the lower-case hex of a request id; only the exact form counts.
    const secret = 'AB0CD1EF2AB3CD4EF5AB6C';
    expect(scan([secret], ['request ab0cd1ef2ab3cd4ef5ab6c'])).toEqual([]);
    expect(scan([secret], ['request AB0CD1EF2'])).toEqual([{ text: 0, secret: 0, form: 'as is', whole: false }]);
    // Letters outside hex make a folded run worth comparing.
    expect(scan(['XY0CD1EF2AB3'], ['request xy0cd1ef2ab3'])).toEqual([
      { text: 0, secret: 0, form: 'as is, case-folded', whole: true },
    ]);
  });
});

describe('describeSecret', () => {
  it('gives the length and at most two characters', () => {
    expect(describeSecret(TOKEN)).toBe('31-character secret starting "q8"');
    expect(describeSecret('x')).toBe('1-character secret starting "x"');
    expect(describeSecret(TOKEN)).not.toContain(TOKEN.slice(0, 3));
  });
});

describe('scanForLeaks speed', () => {
  it('thousands of secrets against megabytes of text in seconds', () => {
    const signer = new JwtSigner();
    const secrets = Array.from({ length: 3000 }, (_, i) =>
      signer.sign({ iss: 'BC', store_hash: 'teststore1', cid: [1, 2], iat: 1_700_000_000 + i, jti: randomUUID() }),
    );
    const texts = Array.from({ length: 10 }, unrelatedText);
    const bigText = texts.join('\n').repeat(4);
    texts.push(bigText, `leaked ${secrets[1234]?.slice(-30)}`);
    const started = Date.now();
    const { leaks, forms } = scanForLeaks(secrets, texts);
    const ms = Date.now() - started;
    expect(leaks).toEqual([{ text: texts.length - 1, secret: 1234, form: 'JWT signature, as is', whole: false }]);
    expect(forms).toBeGreaterThanOrEqual(3000 * 4);
    // Generous: the suite shares its cores; the point is linear work, not a benchmark.
    expect(ms).toBeLessThan(20_000);
  });
});
