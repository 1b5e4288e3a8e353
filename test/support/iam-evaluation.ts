/**
 * IAM's policy evaluation for one account, as the IAM User Guide describes it ("Policy evaluation logic",
 * "IAM JSON policy elements: Condition operators"), over the policy documents of a synthesized template, for
 * tests that ask "may this principal do this to that?". Neither the sandbox nor moto evaluates the conditions
 * these policies rest on (tags, labels, encryption context, calling service), so the bounds are proven here.
 *
 * What it implements: an explicit Deny in any policy wins; otherwise an Allow in an identity policy or in the
 * resource's policy (same account) allows; otherwise the request is implicitly denied. Action and Resource with
 * `*` and `?`; NotAction; Principal `*` or an ARN or a service; condition keys matched ignoring case; the
 * String, Arn and Null operators and their ForAnyValue/ForAllValues forms; several values of one key are ORed,
 * several keys and operators of a statement ANDed. A negated operator matches a missing key, a positive one
 * does not; ForAllValues matches a missing key, ForAnyValue does not (AWS documents each of these). Not
 * implemented, and not used by the product's policies: permissions boundaries, SCPs, sessions, NotResource,
 * NotPrincipal, the numeric, date, IP and Bool operators.
 */

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  Effect: Effect;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: '*' | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Request {
  /** The principal's ARN (a role's, for an assumed role) or a service principal (`scheduler.amazonaws.com`). */
  principal: string;
  action: string;
  resource: string;
  /** The request context: condition keys (any letter case) and their values. */
  context?: Record<string, string | string[]>;
}

export type Decision = 'allowed' | 'explicitly denied' | 'implicitly denied';

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM's wildcards: `*` any run of characters, `?` any one character. */
function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'si' : 's').test(value);
}

type Match = (policyValue: string, requestValue: string) => boolean;
const OPERATORS: Record<string, { match: Match; negated: boolean }> = {
  StringEquals: { match: (p, r) => p === r, negated: false },
  StringNotEquals: { match: (p, r) => p === r, negated: true },
  StringEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: true },
  StringLike: { match: (p, r) => wildcard(p, r), negated: false },
  StringNotLike: { match: (p, r) => wildcard(p, r), negated: true },
  ArnEquals: { match: (p, r) => wildcard(p, r), negated: false },
  ArnLike: { match: (p, r) => wildcard(p, r), negated: false },
  ArnNotEquals: { match: (p, r) => wildcard(p, r), negated: true },
  ArnNotLike: { match: (p, r) => wildcard(p, r), negated: true },
};

function contextValue(context: Record<string, string | string[]>, key: string): string[] | undefined {
  const found = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : list(context[found]);
}

function conditionHolds(operator: string, key: string, wanted: string[], context: Record<string, string | string[]>) {
  const present = contextValue(context, key);
  if (operator === 'Null') return wanted.some((w) => (w === 'true') === (present === undefined));
  const [qualifier, name] = operator.includes(':') ? operator.split(':') : [undefined, operator];
  const op = OPERATORS[name as string];
  if (!op) throw new Error(`condition operator ${operator} is not implemented`);
  const anyWanted = (value: string) => wanted.some((w) => op.match(w, value));
  if (qualifier === 'ForAllValues') {
    return (present ?? []).every((v) => (op.negated ? !anyWanted(v) : anyWanted(v)));
  }
  if (present === undefined) return op.negated;
  if (qualifier === 'ForAnyValue') return present.some((v) => (op.negated ? !anyWanted(v) : anyWanted(v)));
  // A single-valued key.
  const matched = present.some(anyWanted);
  return op.negated ? !matched : matched;
}

function principalMatches(principal: PolicyStatement['Principal'], request: Request): boolean {
  if (principal === undefined) return true; // an identity policy: its own principal
  if (principal === '*') return true;
  return Object.values(principal).some((ids) => list(ids).some((id) => id === '*' || id === request.principal));
}

function statementApplies(statement: PolicyStatement, request: Request): boolean {
  const actionMatches = (patterns: string[]) => patterns.some((p) => wildcard(p, request.action, true));
  if (statement.Action !== undefined && !actionMatches(list(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(list(statement.NotAction))) return false;
  if (statement.Resource !== undefined && !list(statement.Resource).some((p) => wildcard(p, request.resource)))
    return false;
  if (!principalMatches(statement.Principal, request)) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, list(values), request.context ?? {})),
  );
}

/** The decision on `request`, given the principal's identity policies and the resource's own policy. */
export function evaluate(
  given: Request,
  policies: { identity: PolicyStatement[]; resource?: PolicyStatement[] },
): Decision {
  // IAM puts the calling principal's ARN in every request made with IAM credentials (a role's ARN, not its
  // session's, for an assumed role); a service principal's own requests have none.
  const request = given.principal.startsWith('arn:')
    ? { ...given, context: { 'aws:PrincipalArn': given.principal, ...given.context } }
    : given;
  const applying = [
    ...policies.identity.map((s) => ({ ...s, Principal: undefined })),
    ...(policies.resource ?? []).map((s) => ({ ...s, Principal: s.Principal ?? {} })),
  ].filter((s) => statementApplies(s, request));
  if (applying.some((s) => s.Effect === 'Deny')) return 'explicitly denied';
  return applying.some((s) => s.Effect === 'Allow') ? 'allowed' : 'implicitly denied';
}
