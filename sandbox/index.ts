import { AwsApi, type AwsOptions } from './aws/api';
import { BigCommerceApi, type BigCommerceOptions, type SeededStore } from './bigcommerce/api';
import { B2B_BASE_PATH } from './bigcommerce/b2b';
import { SandboxClock } from './clock';
import { LoopbackServer } from './http';

export { SandboxClock } from './clock';
export type { Fault, FaultRule, InjectedFault } from './faults';
export type { RecordedRequest } from './http';
export type { SeededStore } from './bigcommerce/api';

export interface SandboxOptions {
  bigcommerce?: BigCommerceOptions;
  aws?: AwsOptions;
  /** Port for the BigCommerce server; 0 (default) picks a free one. */
  port?: number;
  /** Port for the AWS endpoints; 0 (default) picks a free one. */
  awsPort?: number;
}

/** What `npm run sandbox` prints: where everything is and how to authenticate. */
export interface SandboxInfo {
  bigcommerce: { apiUrl: string; b2bApiUrl: string; graphqlUrlTemplate: string };
  aws: { endpointUrl: string; region: string };
  stores: SeededStore[];
  /** Environment that points this product and the AWS SDK at the sandbox. */
  env: Record<string, string>;
}

export interface Sandbox {
  readonly clock: SandboxClock;
  readonly bigcommerce: {
    server: LoopbackServer;
    api: BigCommerceApi;
    apiUrl: string;
    b2bApiUrl: string;
    graphqlUrlTemplate: string;
  };
  readonly aws: { server: LoopbackServer; api: AwsApi; endpointUrl: string; region: string };
  /** The first seeded store, which most callers need. */
  readonly store: SeededStore;
  info(): SandboxInfo;
  /** Environment variables pointing the product at the sandbox (no secrets in them). */
  environment(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the BigCommerce simulator and the local AWS endpoints on 127.0.0.1, sharing one clock. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = new SandboxClock();
  const bigcommerceApi = new BigCommerceApi(clock, options.bigcommerce);
  const awsApi = new AwsApi(clock, options.aws);
  const bigcommerceServer = new LoopbackServer(bigcommerceApi, clock);
  const awsServer = new LoopbackServer(awsApi, clock);
  const apiUrl = await bigcommerceServer.listen(options.port ?? 0);
  let endpointUrl: string;
  try {
    endpointUrl = await awsServer.listen(options.awsPort ?? 0);
  } catch (error) {
    await bigcommerceServer.close();
    throw error;
  }

  const bigcommerce = {
    server: bigcommerceServer,
    api: bigcommerceApi,
    apiUrl,
    b2bApiUrl: `${apiUrl}${B2B_BASE_PATH}`,
    graphqlUrlTemplate: `${apiUrl}/storefront/store-{storeHash}-{channelId}/graphql`,
  };
  const aws = { server: awsServer, api: awsApi, endpointUrl, region: awsApi.region };
  const environment = (): Record<string, string> => ({
    BIGCOMMERCE_API_URL: bigcommerce.apiUrl,
    BIGCOMMERCE_B2B_API_URL: bigcommerce.b2bApiUrl,
    BIGCOMMERCE_GRAPHQL_URL_TEMPLATE: bigcommerce.graphqlUrlTemplate,
    AWS_ENDPOINT_URL: aws.endpointUrl,
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  });
  return {
    clock,
    bigcommerce,
    aws,
    store: bigcommerceApi.seeded[0] as SeededStore,
    environment,
    info: () => ({
      bigcommerce: {
        apiUrl: bigcommerce.apiUrl,
        b2bApiUrl: bigcommerce.b2bApiUrl,
        graphqlUrlTemplate: bigcommerce.graphqlUrlTemplate,
      },
      aws: { endpointUrl: aws.endpointUrl, region: aws.region },
      stores: bigcommerceApi.seeded,
      env: environment(),
    }),
    close: async () => {
      await Promise.all([bigcommerceServer.close(), awsServer.close()]);
    },
  };
}
