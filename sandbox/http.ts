import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxClock } from './clock';
import { FaultInjector, type Fault, type FaultRule, type InjectedFault } from './faults';

/** One request as an API implementation sees it: already read, never streamed. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are; undefined sends an empty body. */
  body?: unknown;
}

/** What a simulated API plugs into the loopback server. */
export interface SandboxApi {
  /** Content type of this API's JSON answers (also used by the malformed-JSON fault). */
  readonly contentType: string;
  /** Names the operation for fault matching and the request log (AWS: the X-Amz-Target action). */
  operationOf?(request: SandboxRequest): string | undefined;
  handle(request: SandboxRequest): SandboxResponse | Promise<SandboxResponse>;
  /** This API's own answer to an injected error status or rate limit. */
  faultResponse(
    fault: Extract<Fault, { kind: 'status' } | { kind: 'rate-limit' }>,
    request: SandboxRequest,
  ): SandboxResponse;
  /** Extra `/__sandbox/...` routes (inspection); undefined when the route is not this API's. */
  control?(request: SandboxRequest): SandboxResponse | undefined;
}

export interface RecordedRequest {
  seq: number;
  /** Sandbox-clock time the request arrived. */
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body was JSON, else the raw text ('' for none). */
  body: unknown;
  operation?: string;
  /** Status sent; absent when the request was hung or dropped. */
  status?: number;
  fault?: Fault['kind'];
}

type Observer = (request: RecordedRequest) => void | Promise<void>;

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_RECORDED = 10_000;
const CONTROL_PREFIX = '/__sandbox/';

/**
 * A server bound to 127.0.0.1 that runs one simulated API with the sandbox's shared controls:
 * fault injection, added latency, a request log and the `/__sandbox/` control routes.
 */
export class LoopbackServer {
  readonly faults = new FaultInjector();
  private latencyMs = 0;
  private log: RecordedRequest[] = [];
  private seq = 0;
  private server: http.Server | undefined;
  private baseUrl: string | undefined;
  private observers: Observer[] = [];

  constructor(
    private readonly api: SandboxApi,
    private readonly clock: SandboxClock,
  ) {}

  async listen(port = 0): Promise<string> {
    const server = http.createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          writeResponse(
            res,
            { status: 500, body: { error: `sandbox failure: ${describe(error)}` } },
            'application/json',
          );
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('sandbox server is not listening');
    return this.baseUrl;
  }

  /** Requests seen so far (control routes excluded), oldest first. */
  requests(filter?: (r: RecordedRequest) => boolean): RecordedRequest[] {
    return filter ? this.log.filter(filter) : [...this.log];
  }

  clearRequests(): void {
    this.log = [];
  }

  /**
   * Calls `observer` after every request this server has handled (its effects applied), just before its
   * answer (or injected fault) goes out: the moments at which tests can check an invariant. An observer
   * that returns a promise holds the answer until it settles, so it can inspect state that is reachable only
   * asynchronously (an upstream AWS) while the caller still waits. Returns a function that stops observing.
   */
  observe(observer: Observer): () => void {
    this.observers.push(observer);
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  /** Adds a fault rule; the answer tells how often it has fired so far. */
  injectFault(rule: FaultRule): InjectedFault {
    return this.faults.inject(rule);
  }

  /** Delay added before every request is handled, to model a distant API in benchmarks. */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    this.latencyMs = ms;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Hung requests would otherwise keep the server open forever.
    server.closeAllConnections();
    await closed;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    if (rawBody === undefined) {
      writeResponse(
        res,
        { status: 413, body: { error: `request body exceeds ${MAX_BODY_BYTES} bytes` } },
        'application/json',
      );
      return;
    }
    const request: SandboxRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
    };

    if (request.path.startsWith(CONTROL_PREFIX)) {
      writeResponse(res, this.control(request), 'application/json');
      return;
    }

    const operation = this.api.operationOf?.(request);
    const record: RecordedRequest = {
      seq: ++this.seq,
      at: this.clock.now().toISOString(),
      method: request.method,
      path: request.path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseMaybeJson(rawBody),
      ...(operation ? { operation } : {}),
    };
    this.log.push(record);
    if (this.log.length > MAX_RECORDED) this.log.splice(0, this.log.length - MAX_RECORDED);

    if (this.latencyMs > 0) await sleep(this.latencyMs);

    const taken = this.faults.take({ method: request.method, path: request.path, operation });
    if (taken) record.fault = taken.fault.kind;
    let answer: SandboxResponse | 'hang' | 'drop';
    try {
      // A `before` fault keeps the request from taking effect; an `after` fault only replaces its answer.
      const response = taken?.phase === 'before' ? undefined : await this.api.handle(request);
      answer = taken ? this.faultAnswer(taken.fault, request) : (response as SandboxResponse);
      if (typeof answer === 'object') record.status = answer.status;
    } finally {
      await Promise.all(this.observers.map((observer) => observer(record)));
    }
    if (answer === 'drop') res.socket?.destroy();
    else if (answer !== 'hang') writeResponse(res, answer, this.api.contentType);
  }

  /** What goes out instead of the API's answer: another answer, nothing (hang), or a closed connection. */
  private faultAnswer(fault: Fault, request: SandboxRequest): SandboxResponse | 'hang' | 'drop' {
    switch (fault.kind) {
      case 'hang':
      case 'drop':
        return fault.kind;
      case 'malformed-json':
        return { status: 200, body: '{"data":{"token":"eyJ' };
      case 'answer':
        return { status: fault.status, body: fault.body };
      case 'status':
      case 'rate-limit':
        return this.api.faultResponse(fault, request);
    }
  }

  private control(request: SandboxRequest): SandboxResponse {
    try {
      const route = `${request.method} ${request.path.slice(CONTROL_PREFIX.length)}`;
      switch (route) {
        case 'GET requests':
          return { status: 200, body: { requests: this.log } };
        case 'DELETE requests':
          this.clearRequests();
          return { status: 204 };
        case 'POST faults':
          this.injectFault(JSON.parse(request.rawBody) as FaultRule);
          return { status: 201, body: { pending: this.faults.pending() } };
        case 'GET faults':
          return { status: 200, body: { faults: this.faults.list() } };
        case 'DELETE faults':
          this.faults.clear();
          return { status: 204 };
        case 'PUT latency':
          this.setLatency(Number((JSON.parse(request.rawBody) as { ms?: unknown }).ms));
          return { status: 204 };
        case 'GET clock':
          return { status: 200, body: { now: this.clock.now().toISOString() } };
        case 'POST clock': {
          const body = JSON.parse(request.rawBody) as { advanceMs?: number; set?: string };
          if (body.set !== undefined) this.clock.set(new Date(body.set));
          if (body.advanceMs !== undefined) this.clock.advance(Number(body.advanceMs));
          return { status: 200, body: { now: this.clock.now().toISOString() } };
        }
        default:
          return this.api.control?.(request) ?? { status: 404, body: { error: `no sandbox control route ${route}` } };
      }
    } catch (error) {
      return { status: 400, body: { error: describe(error) } };
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function writeResponse(res: http.ServerResponse, response: SandboxResponse, contentType: string): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload = '';
  if (typeof response.body === 'string') payload = response.body;
  else if (response.body !== undefined) payload = JSON.stringify(response.body);
  if (payload.length > 0 && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = contentType;
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

function parseMaybeJson(raw: string): unknown {
  if (raw.length === 0) return '';
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
