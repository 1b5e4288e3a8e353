import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { eventBridgeClient, secretsManagerClient } from '../aws/clients';
import { EventBridgePublisher, type EventPublisher } from '../aws/event-publisher';
import { type SecretStore, SecretsManagerSecretStore } from '../aws/secret-store';
import { SecretsManagerStoreCredentials, type StoreCredentials } from '../aws/store-credentials';
import { type BigCommerceEndpoints, resolveEndpoints } from '../bigcommerce/endpoints';
import { BigCommerceHttp, type RetryPolicy } from '../bigcommerce/http';
import { loadRuntimeConfig } from '../config/load';
import type { RotatorConfig, RotatorKind } from '../config/types';
import { RedactingLogger } from '../observability/logger';
import { describeError, redactor } from '../observability/redaction';
import { type Clock, systemClock } from '../rotation/clock';
import { type RunReport, runRotations } from '../rotation/run';
import { parseRotationEvent } from './event';
import { familyAdapters } from './families';

/** No new token is started with less than this left before the Lambda deadline. */
export const STOP_STARTING_WORK_MS = 20_000;
/** BigCommerce calls and their retry waits stop this long before the deadline. */
const HTTP_DEADLINE_MARGIN_MS = 5_000;
const TOKENS_AT_ONCE = 4;

/** What a local run (tests, `npm start`, `npm run invoke`) may substitute; Lambda uses the defaults. */
export interface RotatorDependencies {
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  log?: RedactingLogger;
  retry?: Partial<RetryPolicy>;
}

/** Built once per container: the configuration, endpoints and AWS-backed ports (with their caches). */
interface Runtime {
  config: RotatorConfig;
  endpoints: BigCommerceEndpoints;
  secrets: SecretStore;
  publisher: EventPublisher;
  credentials: StoreCredentials;
}

function buildRuntime(env: NodeJS.ProcessEnv): Runtime {
  const config = loadRuntimeConfig(env);
  const endpoints = resolveEndpoints(env);
  const sm = secretsManagerClient();
  return {
    config,
    endpoints,
    secrets: new SecretsManagerSecretStore(sm),
    publisher: new EventBridgePublisher(eventBridgeClient(), env.EVENT_BUS_NAME ?? config.eventBusName),
    credentials: new SecretsManagerStoreCredentials(sm, config.stores),
  };
}

/**
 * The Lambda handler of one rotator function: parse the event (refusing bad ones before any side
 * effect), rotate each of its managed tokens, return per-token outcomes. Thin by design: the flow lives
 * in rotation/, the BigCommerce calls in bigcommerce/ and families/.
 */
export function createRotatorHandler(kind: RotatorKind, dependencies: RotatorDependencies = {}) {
  const log = dependencies.log ?? new RedactingLogger();
  const clock = dependencies.clock ?? systemClock;
  let runtime: Runtime | undefined;

  const rotate = async (event: unknown, context: Context): Promise<RunReport> => {
    log.useContext(context);
    try {
      runtime ??= buildRuntime(dependencies.env ?? process.env);
    } catch (error) {
      log.error('cannot start: invalid configuration', { error: describeError(error) });
      throw error;
    }
    const request = parseRotationEvent(event, kind, runtime.config.tokens);
    const http = new BigCommerceHttp({ retry: dependencies.retry, remainingMs: () => context.getRemainingTimeInMillis() - HTTP_DEADLINE_MARGIN_MS });
    const report = await runRotations(
      request.targets,
      familyAdapters(kind, http, runtime.endpoints),
      { clock, secrets: runtime.secrets, publisher: runtime.publisher, credentials: runtime.credentials, log },
      { trigger: request.trigger, force: request.force, dryRun: request.dryRun },
      { concurrency: TOKENS_AT_ONCE, shouldStop: () => context.getRemainingTimeInMillis() < STOP_STARTING_WORK_MS },
    );
    log.info('rotation run finished', { trigger: report.trigger, dryRun: report.dryRun, force: report.force, summary: report.summary, notReached: report.notReached });
    return redactor.redactDeep(report);
  };

  return middy<unknown, RunReport, Error, Context>().handler(rotate);
}
