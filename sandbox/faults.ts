/**
 * Fault injection shared by every sandbox server: the next N requests that match get a failure instead
 * of (or after) their normal handling. `after` lets a test model "the call succeeded upstream but the
 * answer was lost", the case that leaves orphans behind.
 */
export type Fault =
  /** An error status with the API's own error body (500, 503, ...). */
  | { kind: 'status'; status: number }
  /** BigCommerce 429 with its rate-limit headers; AWS ThrottlingException. */
  | { kind: 'rate-limit' }
  /** The request is held open and never answered: only the client's timeout ends it. */
  | { kind: 'hang' }
  /** 200 with a body that is not valid JSON. */
  | { kind: 'malformed-json' }
  /** The connection is closed without any response. */
  | { kind: 'drop' }
  /**
   * This status and JSON body instead of the API's answer: an answer no rule of the API gives, such as a B2B
   * Edition error envelope in a 200 or an error body that quotes a token.
   */
  | { kind: 'answer'; status: number; body: unknown };

export interface FaultMatch {
  method?: string;
  /** Regular expression (or its source) tested against the request path. */
  path?: RegExp | string;
  /** AWS operation name, e.g. `PutSecretValue`. */
  operation?: string;
}

export interface FaultRule {
  match?: FaultMatch;
  fault: Fault;
  /** Matching requests let through before the fault starts (e.g. the second write of a rotation); default 0. */
  skip?: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** `before` (default): the request has no effect. `after`: it takes effect, then its response is replaced. */
  phase?: 'before' | 'after';
}

export interface RequestIdentity {
  method: string;
  path: string;
  operation?: string;
}

interface ActiveRule {
  match: { method?: string; path?: RegExp; operation?: string };
  fault: Fault;
  skip: number;
  remaining: number;
  phase: 'before' | 'after';
  fired: number;
}

/**
 * A rule as injected: how many requests it has failed so far, still readable once it is used up or cleared,
 * so a test can prove its fault fired (a matcher that hits nothing proves nothing).
 */
export interface InjectedFault {
  readonly fired: number;
}

/** One rule injected since the last clear, as `GET /__sandbox/faults` lists it. */
export interface FaultSummary {
  match: FaultMatch;
  fault: Fault;
  phase: 'before' | 'after';
  fired: number;
  remaining: number;
}

export interface TakenFault {
  fault: Fault;
  phase: 'before' | 'after';
}

const FAULT_KINDS = new Set(['status', 'rate-limit', 'hang', 'malformed-json', 'drop', 'answer']);

export class FaultInjector {
  private rules: ActiveRule[] = [];
  /** Every rule injected since the last clear, used up or not. */
  private injected: ActiveRule[] = [];

  inject(rule: FaultRule): InjectedFault {
    const times = rule.times ?? 1;
    if (rule.skip !== undefined && !(Number.isInteger(rule.skip) && rule.skip >= 0))
      throw new RangeError(`fault skip must be a non-negative integer, got ${String(rule.skip)}`);
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`fault times must be a positive integer, got ${String(rule.times)}`);
    if (!rule.fault || !FAULT_KINDS.has(rule.fault.kind))
      throw new TypeError(`unknown fault kind ${JSON.stringify(rule.fault?.kind)}`);
    if (
      rule.fault.kind === 'status' &&
      !(Number.isInteger(rule.fault.status) && rule.fault.status >= 400 && rule.fault.status <= 599)
    ) {
      throw new RangeError(`a status fault needs an HTTP error status (400-599), got ${String(rule.fault.status)}`);
    }
    if (
      rule.fault.kind === 'answer' &&
      !(Number.isInteger(rule.fault.status) && rule.fault.status >= 200 && rule.fault.status <= 599)
    ) {
      throw new RangeError(`an answer fault needs an HTTP status (200-599), got ${String(rule.fault.status)}`);
    }
    const path = rule.match?.path;
    const active: ActiveRule = {
      match: {
        method: rule.match?.method?.toUpperCase(),
        path: typeof path === 'string' ? new RegExp(path) : path,
        operation: rule.match?.operation,
      },
      fault: rule.fault,
      skip: rule.skip ?? 0,
      remaining: times,
      phase: rule.phase ?? 'before',
      fired: 0,
    };
    this.rules.push(active);
    this.injected.push(active);
    return {
      get fired() {
        return active.fired;
      },
    };
  }

  /** Consumes one use of the first rule that matches, if any. */
  take(request: RequestIdentity): TakenFault | undefined {
    const rule = this.rules.find((r) => matches(r, request));
    if (!rule) return undefined;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return undefined;
    }
    rule.remaining -= 1;
    rule.fired += 1;
    if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    return { fault: rule.fault, phase: rule.phase };
  }

  /** Faults still waiting for a matching request. */
  pending(): number {
    return this.rules.reduce((sum, r) => sum + r.remaining, 0);
  }

  /** Every rule injected since the last clear, with how often it fired. */
  list(): FaultSummary[] {
    return this.injected.map(({ match, fault, phase, fired, remaining }) => ({
      match: {
        ...(match.method ? { method: match.method } : {}),
        ...(match.path ? { path: match.path.source } : {}),
        ...(match.operation ? { operation: match.operation } : {}),
      },
      fault,
      phase,
      fired,
      remaining,
    }));
  }

  clear(): void {
    this.rules = [];
    this.injected = [];
  }
}

function matches(rule: ActiveRule, request: RequestIdentity): boolean {
  const { method, path, operation } = rule.match;
  if (method && method !== request.method) return false;
  if (path && !path.test(request.path)) return false;
  if (operation && operation !== request.operation) return false;
  return true;
}
