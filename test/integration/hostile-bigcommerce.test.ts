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
