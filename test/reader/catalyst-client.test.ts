import { BigCommerceAPIError, BigCommerceGQLError } from '@bigcommerce/catalyst-client';
import { createTokenReader } from '../../reader';
import { CLAIM_LEASE_MS } from '../../functions/rotation/claim';
import { fetchThroughSandbox } from '../../sandbox/bigcommerce/graphql';
import { graphql } from '../../sandbox/bigcommerce/storefront-schema';
import { STORE, useRotator } from '../support/rotator';
import { request } from '../support/sandbox';

/**
 * The Catalyst example of docs/consumers.md with BigCommerce's published client (@bigcommerce/catalyst-client 1.0.3),
 * its `https://store-...mybigcommerce.com/graphql` requests served by the sandbox, its token rotated and
 * revoked by the real rotator handler.
 */
const rotator = useRotator({
  stores: [{ storeHash: STORE, credentialsSecret: `bigcommerce/${STORE}/api-account` }],
  tokens: [
    {
      id: 'catalyst',
      store: STORE,
      family: 'storefront-private',
      channelIds: [1, 2],
      scopes: ['Unauthenticated'],
      lifetime: '7d',
      renewBefore: '2d',
      revokeSuperseded: { gracePeriod: '5m' },
    },
  ],
});

// Typed as Catalyst types its documents: gql.tada infers results and variables from the text.
const StoreName = graphql('query StoreName { site { settings { storeName } } }');
const StoreNameIf = graphql(
  'query StoreNameIf($withName: Boolean!) { site { settings { storeName @include(if: $withName) } } }',
);

/** Never called: what tsc accepts and refuses, checked by `npm run typecheck`. */
async function typesAsCatalystUsesThem(client: typeof example.client): Promise<void> {
  const plain: string = (await client.fetch({ document: StoreName })).data.site.settings?.storeName ?? '';
  const optional: string | undefined = (await client.fetch({ document: StoreNameIf, variables: { withName: true } }))
    .data.site.settings?.storeName;
  // @ts-expect-error: the document declares $withName as Boolean!
  await client.fetch({ document: StoreNameIf, variables: { withName: 1 } });
  // @ts-expect-error: a document with a required variable needs it
  await client.fetch({ document: StoreNameIf });
  // @ts-expect-error: the result has no such field
  (await client.fetch({ document: StoreName })).data.site.settings?.storeHash;
  void [plain, optional];
}
void typesAsCatalystUsesThem;

const secretName = () => rotator().config.tokens[0]!.secretName;
const originalFetch = globalThis.fetch;
/** The example module, loaded once its environment is set, as Catalyst's would be. */
let example: typeof import('../../reader/examples/catalyst-client');
beforeAll(async () => {
  globalThis.fetch = fetchThroughSandbox(rotator().sandbox.bigcommerce.graphqlUrlTemplate, originalFetch);
  Object.assign(process.env, {
    BIGCOMMERCE_STOREFRONT_TOKEN_SECRET_ID: secretName(),
    BIGCOMMERCE_STORE_HASH: STORE,
    BIGCOMMERCE_CHANNEL_ID: '1',
  });
  example = await import('../../reader/examples/catalyst-client');
  expect((await rotator().invoke({})).results[0]).toMatchObject({ outcome: 'rotated' });
});
afterAll(() => {
  globalThis.fetch = originalFetch;
});

const secretReads = () =>
  rotator().sandbox.aws.server.requests(
    (r) => r.operation === 'GetSecretValue' && (r.body as { SecretId?: string }).SecretId === secretName(),
  ).length;
const graphqlRequests = () => rotator().sandbox.bigcommerce.server.requests((r) => r.path.endsWith('/graphql'));
const currentToken = async () => (await rotator().secret('catalyst'))!.token as string;

/** Forces a rotation, then moves the rotator's clock past the grace period and lets it revoke the old token. */
async function rotateAndRevoke(): Promise<void> {
  const h = rotator();
  expect((await h.invoke({ targets: ['catalyst'], force: true })).results[0]?.outcome).toBe('rotated');
  h.sandbox.clock.advance(CLAIM_LEASE_MS + 5 * 60_000);
  expect((await h.invoke({ targets: ['catalyst'] })).results[0]?.outcome).toBe('revoked');
}

describe("docs/consumers.md's Catalyst example, with BigCommerce's client", () => {
  it('its `client` (options from the environment, as Catalyst configures it) answers a typed query', async () => {
    const { data } = await example.client.fetch({ document: StoreName });

    expect(data.site.settings?.storeName).toBe('Test Store');
    expect(graphqlRequests().at(-1)).toMatchObject({
      path: `/storefront/store-${STORE}-1/graphql`,
      query: { operation: 'StoreName', type: 'query' },
      status: 200,
      headers: { authorization: `Bearer ${await currentToken()}` },
    });
  });

  describe('createRotatingClient', () => {
    const onError: unknown[] = [];
    const options = {
      storeHash: STORE,
      channelId: '1',
      // Catalyst's channel per locale, its user-agent extension, its request headers, its error hook, its logger.
      getChannelId: async () => '2',
      backendUserAgentExtensions: 'shop-under-test/7.1',
      beforeRequest: async () => ({ headers: { 'Accept-Language': 'fr-CA' } }),
      onError: (error: unknown) => {
        onError.push(error);
      },
      logger: true,
    };
    let client: typeof example.client;
    // The client's logger (`logger: true`) writes each request's timing with console.log.
    let logged: jest.SpyInstance;
    beforeAll(() => {
      client = example.createRotatingClient(createTokenReader({ secretId: secretName() }), options);
      logged = jest.spyOn(console, 'log').mockImplementation(() => {});
    });
    afterAll(() => logged.mockRestore());

    /** What a request the client sent carried of the app's options. */
    const sentWithOptions = {
      path: `/storefront/store-${STORE}-2/graphql`,
      headers: expect.objectContaining({
        'accept-language': 'fr-CA',
        'user-agent': expect.stringMatching(/^@bigcommerce\/catalyst-client\/1\.0\.3 \(.*\) shop-under-test\/7\.1$/),
      }),
    };

    it('sends the current token with every option the app gave, and answers with the inferred result', async () => {
      logged.mockClear();
      const before = graphqlRequests().length;

      const { data } = await client.fetch({ document: StoreName });

      expect(data.site.settings?.storeName).toBe('Test Store');
      const sent = graphqlRequests().slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ ...sentWithOptions, status: 200 });
      expect(sent[0]?.headers.authorization).toBe(`Bearer ${await currentToken()}`);
      expect(logged.mock.calls.flat().join('\n')).toContain('[BigCommerce] query StoreName');
    });

    it('after a rotation revoked its token, recovers with exactly one secret read, variables and options kept', async () => {
      const old = await currentToken();
      await rotateAndRevoke();
      const fresh = await currentToken();
      const reads = secretReads();
      const before = graphqlRequests().length;

      const { data } = await client.fetch({ document: StoreNameIf, variables: { withName: true } });

      expect(data.site.settings?.storeName).toBe('Test Store');
      expect(secretReads() - reads).toBe(1);
      const sent = graphqlRequests().slice(before);
      expect(sent.map((r) => [r.status, r.headers.authorization])).toEqual([
        [401, `Bearer ${old}`],
        [200, `Bearer ${fresh}`],
      ]);
      for (const request of sent) expect(request).toMatchObject(sentWithOptions);
      expect(sent[1]?.body).toEqual({ query: expect.stringContaining('$withName'), variables: { withName: true } });

      // The new version's client answers from now on, without another read.
      const without = await client.fetch({ document: StoreNameIf, variables: { withName: false } });
      expect(without.data.site.settings).toEqual({});
      expect(secretReads() - reads).toBe(1);
    });

    it("keeps the app's onError: a GraphQL error reaches it and is thrown, with no secret read", async () => {
      const reads = secretReads();

      const error = await client
        .fetch({ document: graphql('query Hash { site { settings { storeHash } } }') })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(BigCommerceGQLError);
      expect(onError).toEqual([error]);
      expect(secretReads() - reads).toBe(0);
    });

    it('surfaces the 401 after one read when the refused token has no successor', async () => {
      const h = rotator();
      const only = await currentToken();
      const revoked = await request(`${h.sandbox.bigcommerce.apiUrl}/stores/${STORE}/v3/storefront/api-token`, {
        method: 'DELETE',
        headers: { 'x-auth-token': h.sandbox.store.accessToken, 'sf-api-token': only },
      });
      expect(revoked.status).toBe(200);
      const reads = secretReads();
      const before = graphqlRequests().length;

      const error = await client.fetch({ document: StoreName }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(BigCommerceAPIError);
      expect(error).toMatchObject({ status: 401 });
      expect(secretReads() - reads).toBe(1);
      expect(
        graphqlRequests()
          .slice(before)
          .map((r) => r.status),
      ).toEqual([401]);
    });
  });
});
