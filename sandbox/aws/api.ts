import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import type { Fault } from '../faults';
import type { SandboxApi, SandboxRequest, SandboxResponse } from '../http';
import { AwsError } from './errors';
import { EventBridge, type RecordedEvent } from './event-bridge';
import type { Input } from './input';
import { SecretsManager } from './secrets-manager';
import { Sqs } from './sqs';
import { acceptedEvents, forward } from './upstream';

export interface AwsOptions {
  region?: string;
  accountId?: string;
  /**
   * Another AWS implementation's endpoint (e.g. moto's `http://127.0.0.1:5000`). When set, AWS requests are
   * forwarded there and its answers relayed, instead of being answered here; fault injection, latency and
   * the request log still apply, so tests can hold this product to an implementation we did not write.
   */
  upstream?: string;
}

const SERVICES = { secretsmanager: 'secretsmanager', AWSEvents: 'AWSEvents', AmazonSQS: 'AmazonSQS' } as const;
/** The internal-error exception name each service's SDK models. */
const INTERNAL_ERROR: Record<string, string> = {
  secretsmanager: 'InternalServiceError',
  AWSEvents: 'InternalException',
  AmazonSQS: 'InternalError',
};

/**
 * The AWS JSON 1.1 protocol for exactly the operations this product uses, so the real SDK clients talk
 * to it through `AWS_ENDPOINT_URL`. Signatures are not checked: the sandbox trusts loopback callers.
 */
export class AwsApi implements SandboxApi {
  readonly contentType = 'application/x-amz-json-1.1';
  readonly region: string;
  readonly accountId: string;
  readonly secretsManager: SecretsManager;
  readonly eventBridge: EventBridge;
  readonly sqs: Sqs;
  /** Where AWS requests are forwarded; undefined when this sandbox answers them itself. */
  readonly upstream: URL | undefined;
  /** Upstream mode: the events the upstream accepted through this endpoint, oldest first. */
  private readonly upstreamEvents: RecordedEvent[] = [];

  constructor(
    private readonly clock: SandboxClock,
    options: AwsOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.secretsManager = new SecretsManager(clock, this.region, this.accountId);
    this.eventBridge = new EventBridge(clock, this.region, this.accountId);
    this.sqs = new Sqs(clock, this.region, this.accountId);
    this.upstream = options.upstream === undefined ? undefined : new URL(options.upstream);
  }

  /**
   * Events accepted on a bus (all buses unless one is named), oldest first. In upstream mode these are the
   * PutEvents entries the upstream accepted, recorded as they passed: an upstream keeps no log of them.
   */
  events(busName?: string): RecordedEvent[] {
    const events = this.upstream ? this.upstreamEvents : this.eventBridge.events();
    return events.filter((e) => busName === undefined || e.eventBusName === busName);
  }

  operationOf(request: SandboxRequest): string | undefined {
    return target(request)?.operation;
  }

  handle(request: SandboxRequest): SandboxResponse | Promise<SandboxResponse> {
    if (this.upstream) return this.forward(this.upstream, request);
    const t = target(request);
    if (request.method !== 'POST' || request.path !== '/' || !t) {
      return errorResponse(new AwsError('UnknownOperationException', 'Expected POST / with an X-Amz-Target header.'));
    }
    const operations = {
      [SERVICES.secretsmanager]: this.secretsManager.operations,
      [SERVICES.AWSEvents]: this.eventBridge.operations,
      [SERVICES.AmazonSQS]: this.sqs.operations,
    }[t.service];
    const operation = operations?.[t.operation];
    if (!operation)
      return errorResponse(
        new AwsError('UnknownOperationException', `The sandbox does not implement ${t.service}.${t.operation}.`),
      );

    let input: Input;
    try {
      const parsed: unknown = request.rawBody.length > 0 ? JSON.parse(request.rawBody) : {};
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      input = parsed as Input;
    } catch {
      return errorResponse(new AwsError('SerializationException', 'The request body is not a JSON object.'));
    }
    try {
      return { status: 200, headers: { 'x-amzn-requestid': randomUUID() }, body: operation(input) };
    } catch (error) {
      if (error instanceof AwsError) return errorResponse(error);
      throw error;
    }
  }

  private async forward(upstream: URL, request: SandboxRequest): Promise<SandboxResponse> {
    const response = await forward(upstream, request);
    if (target(request)?.operation === 'PutEvents' && response.status === 200)
      this.upstreamEvents.push(...acceptedEvents(request.rawBody, String(response.body), this.clock.now()));
    return response;
  }

  faultResponse(
    fault: Extract<Fault, { kind: 'status' } | { kind: 'rate-limit' }>,
    request: SandboxRequest,
  ): SandboxResponse {
    if (fault.kind === 'rate-limit') return errorResponse(new AwsError('ThrottlingException', 'Rate exceeded', 400));
    const service = target(request)?.service ?? SERVICES.secretsmanager;
    return errorResponse(
      new AwsError(INTERNAL_ERROR[service] ?? 'InternalFailure', 'An error occurred on the server side.', fault.status),
    );
  }

  control(request: SandboxRequest): SandboxResponse | undefined {
    if (request.method === 'GET' && request.path === '/__sandbox/events')
      return { status: 200, body: { events: this.events() } };
    if (request.method === 'GET' && request.path === '/__sandbox/secrets' && this.upstream)
      return { status: 409, body: { error: `secrets live at the upstream ${this.upstream.origin}: ask it` } };
    if (request.method === 'GET' && request.path === '/__sandbox/secrets') {
      const secrets = this.secretsManager.all().map((s) => ({
        name: s.name,
        arn: s.arn,
        versions: [...s.versions.values()].map((v) => ({
          versionId: v.versionId,
          stages: [...v.stages],
          createdDate: v.createdDate,
          secretString: v.secretString,
        })),
      }));
      return { status: 200, body: { secrets } };
    }
    return undefined;
  }
}

function target(request: SandboxRequest): { service: string; operation: string } | undefined {
  const header = request.headers['x-amz-target'];
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^([A-Za-z0-9]+)\.([A-Za-z0-9]+)$/);
  return match ? { service: match[1] as string, operation: match[2] as string } : undefined;
}

function errorResponse(error: AwsError): SandboxResponse {
  return {
    status: error.status,
    headers: { 'x-amzn-errortype': error.type, 'x-amzn-requestid': randomUUID() },
    body: { __type: error.type, message: error.message },
  };
}
