import { ownershipName } from '../../functions/families/b2b-ownership';
import { PRIVATE_TOKEN } from '../../sandbox/fleet-config';
import { HOSTILE_ECHO_FORMS } from '../../sandbox/bigcommerce/hostile';
import { scanForLeaks } from '../audit/secret-forms';
import { auditSecrets } from '../support/audit';
import { capturedOutput, STORE, useRotator } from '../support/rotator';

/**
 * BigCommerce's error bodies are untrusted text: here every error answer echoes the request that caused it,
 * credentials included, verbatim, JSON-escaped, upper-cased, base64- or URL-encoded, or after 295 characters
 * of filler (so a cut at 300 would keep half a credential). Nothing the product writes may carry any form of
 * any credential: not the result, not an event, not a log line.
 */
const API_ACCOUNT = `bigcommerce/${STORE}/api-account`;
const B2B_USER = `bigcommerce/${STORE}/b2b-user`;
const rotator = useRotator({
  stores: [{ storeHash: STORE, credentialsSecret: API_ACCOUNT, b2bCredentialsSecret: B2B_USER }],
  tokens: [
    {
      id: 'headless',
      store: STORE,
      ...PRIVATE_TOKEN,
    },
    { id: 'erp', store: STORE, family: 'b2b-backend', rotationPeriod: '7d', gracePeriod: '1h' },
  ],
});

/** Seven characters, a quote and a backslash: too short for a length floor, and changed by JSON escaping. */
const WRONG_PASSWORD = 'q"\\z9!x';

afterEach(() => rotator().sandbox.bigcommerce.api.setHostile(undefined));
// The wrong password is a credential the product was given: the suite's audit looks for it too.
afterAll(() => auditSecrets([WRONG_PASSWORD]));

async function withSecret<R>(name: string, value: string, work: () => Promise<R>): Promise<R> {
  const h = rotator();
  const saved = (await h.aws.valueAt(name)) as string;
  await h.aws.putCurrent(name, value);
  try {
    return await work();
  } finally {
    await h.aws.putCurrent(name, saved);
  }
}

describe.each(HOSTILE_ECHO_FORMS)('BigCommerce errors that echo the request (%s)', (echo) => {
  async function failAndCollect(run: () => Promise<unknown>): Promise<string[]> {
    const h = rotator();
    const outputBefore = capturedOutput().length;
    const eventsBefore = (await h.events()).length;
    h.sandbox.bigcommerce.api.setHostile({ echo });
    const report = await run();
    h.sandbox.bigcommerce.api.setHostile(undefined);
    return [
      JSON.stringify(report),
      JSON.stringify((await h.events()).slice(eventsBefore)),
      capturedOutput().slice(outputBefore),
    ];
  }

  it('a refused B2B login leaks no form of the password, however short', async () => {
    const h = rotator();
    const login = JSON.stringify({ email: h.sandbox.store.b2bAdmin.email, password: WRONG_PASSWORD });
    const texts = await withSecret(B2B_USER, login, () =>
      failAndCollect(async () => {
        const report = await h.newInstance('b2b')({ targets: ['erp'], force: true });
        expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint', error: { httpStatus: 400 } });
        return report;
      }),
    );
    expect(scanForLeaks([WRONG_PASSWORD, h.sandbox.store.b2bAdmin.password], texts).leaks).toEqual([]);
  });

  it('a refused X-Auth-Token leaks no form of it', async () => {
    const h = rotator();
    const limited = h.sandbox.store.limitedAccessToken;
    const texts = await withSecret(API_ACCOUNT, JSON.stringify({ accessToken: limited }), () =>
      failAndCollect(async () => {
        const report = await h.newInstance()({ targets: ['headless'], force: true });
        expect(report.results[0]).toMatchObject({ outcome: 'failed', step: 'mint', error: { httpStatus: 403 } });
        return report;
      }),
    );
    expect(scanForLeaks([limited, h.sandbox.store.accessToken], texts).leaks).toEqual([]);
  });
});

/**
 * B2B Edition answers in an envelope with its own `code`: an envelope whose code is an error is that error,
 * whatever the HTTP status, and its `errMsg` and `meta.message` are as untrusted as any error body. Here they
 * quote a token the product never saw (one the merchant made in the control panel), so only the allow-list of
 * known titles, not the redactor, can keep it out.
 */
describe('B2B Edition error envelopes that quote a token', () => {
  const ECHOES: [string, (token: string) => string][] = [
    ['raw', (token) => `Invalid token: ${token}`],
    ['escaped', (token) => `request body: ${JSON.stringify(JSON.stringify({ authToken: token }))}`],
    ['cut', (token) => `Invalid token: ${token.slice(0, -12)}`],
  ];
  const CALLS = [
    { step: 'mint', code: 400, match: { method: 'POST', path: '/auth/backend$' } },
    { step: 'verify', code: 401, match: { method: 'GET', path: '/backend/tokens' } },
    { step: 'cleanup', code: 403, match: { method: 'DELETE', path: '/auth/backend$' } },
  ];
  let foreign: string;

  beforeAll(() => {
    const b2b = rotator().sandbox.bigcommerce.api.b2b;
    foreign = b2b.addToken({ storeHash: STORE, email: 'merchant@example.com', name: 'ERP (control panel)' }).token;
  });

  /** Forces a rotation of the B2B token while `call` answers 200 with `envelope`; the report and what it wrote. */
  async function rotateAnswering(
    match: { method: string; path: string },
    envelope: Record<string, unknown>,
    status = 200,
  ) {
    const h = rotator();
    const outputBefore = capturedOutput().length;
    const eventsBefore = (await h.events()).length;
    const answered = () => h.sandbox.bigcommerce.server.requests((r) => r.fault === 'answer').length;
    const answeredBefore = answered();
    h.sandbox.bigcommerce.server.injectFault({
      match,
      fault: { kind: 'answer', status, body: envelope },
      times: 5,
    });
    const report = await h.newInstance('b2b')({ targets: ['erp'], force: true });
    h.sandbox.bigcommerce.server.faults.clear();
    expect(answered()).toBeGreaterThan(answeredBefore);
    const texts = [
      JSON.stringify(report),
      JSON.stringify((await h.events()).slice(eventsBefore)),
      capturedOutput().slice(outputBefore),
    ];
    return { result: report.results[0], texts };
  }

  describe.each(ECHOES)('quoted %s', (_form, echo) => {
    it.each(CALLS)('at $step: in no result, event or log line', async ({ step, code, match }) => {
      const h = rotator();
      // A stale token of ours, so that the rotation's cleanup has one to revoke.
      h.sandbox.bigcommerce.api.b2b.addToken({
        storeHash: STORE,
        email: h.sandbox.store.b2bAdmin.email,
        name: ownershipName(h.owner, 'erp', new Date(h.sandbox.clock.nowMs() - 2 * 3_600_000)),
      });
      const text = echo(foreign);
      const { result, texts } = await rotateAnswering(match, { code, data: { errMsg: text }, meta: { message: text } });
      if (step === 'cleanup') {
        expect(result?.outcome).toBe('rotated');
        expect(result?.warnings?.length).toBeGreaterThan(0);
        for (const warning of result?.warnings ?? []) {
          expect(warning).toMatch(new RegExp(`^could not revoke .* answered ${code}$`));
        }
      } else {
        expect(result).toMatchObject({ outcome: 'failed', step, error: { httpStatus: code } });
        expect(result?.error?.title).toBeUndefined();
      }
      expect(scanForLeaks([foreign], texts).leaks).toEqual([]);
    });
  });

  // An error status makes the body a BigCommerceApiError's, whose debug line logs it redacted: the registry has
  // never seen this token, so only its shape can keep it out of that line.
  it.each(ECHOES)('quoted %s in an error answer: not in the debug line either', async (_form, echo) => {
    const text = echo(foreign);
    const envelope = { code: 400, data: { errMsg: text }, meta: { message: text } };
    const { result, texts } = await rotateAnswering(CALLS[0]!.match, envelope, 400);
    expect(result).toMatchObject({ outcome: 'failed', step: 'mint', error: { httpStatus: 400 } });
    expect(texts[2]).toContain('BigCommerce error body (redacted)');
    expect(scanForLeaks([foreign], texts).leaks).toEqual([]);
  });

  it('keeps a title B2B Edition documents, and only that', async () => {
    const known = await rotateAnswering(CALLS[0]!.match, {
      code: 400,
      data: { errMsg: 'role forbidden' },
      meta: { message: 'API logic error' },
    });
    expect(known.result).toMatchObject({ outcome: 'failed', step: 'mint', error: { title: 'role forbidden' } });
    expect(known.result?.reason).toContain('(role forbidden)');

    const mixed = await rotateAnswering(CALLS[0]!.match, {
      code: 400,
      data: { errMsg: `role forbidden: ${foreign}` },
      meta: { message: 'API logic error' },
    });
    expect(mixed.result).toMatchObject({ outcome: 'failed', step: 'mint', error: { title: 'API logic error' } });
    expect(scanForLeaks([foreign], mixed.texts).leaks).toEqual([]);
  });
});
