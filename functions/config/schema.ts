import * as z from './zod';
import { formatDuration, parseDuration } from './duration';
import { ConfigError, type ConfigIssue, formatPath } from './errors';
import { lazySchema } from './lazy-schema';
import { analyseSchedule, isValidTimeZone } from './schedule';
import {
  FAMILY_ROTATOR,
  type ManagedToken,
  PRIVATE_TOKEN_SCOPES,
  PRODUCT_NAME,
  ROTATOR_KINDS,
  type RotatorConfig,
  type RotatorKind,
  type ScheduleConfig,
  TOKEN_FAMILIES,
} from './types';

/**
 * A run that starts inside the renewal window must also finish inside it: the window has to exceed the
 * longest gap between runs by at least the function's own timeout.
 */
export const RUN_MARGIN_SECONDS = 5 * 60;
/** A lifetime longer than a year defeats the purpose of rotating. */
export const MAX_LIFETIME_SECONDS = 365 * 86_400;
/** Stored-instrument tokens live one hour in BigCommerce's documented example; the default expectation. */
export const DEFAULT_STORED_INSTRUMENTS_LIFETIME_SECONDS = 3600;
/**
 * A B2B token minted by one run may sit unpromoted for up to a run's length while another run cleans up:
 * the grace period must comfortably outlast that, or a concurrent cleanup could revoke it.
 */
export const MIN_B2B_GRACE_SECONDS = 15 * 60;
export const DEFAULT_B2B_GRACE_SECONDS = 86_400;
/**
 * The token reader's default `maxAgeMs` (reader/token-reader.ts): an app keeps the token it read that long
 * before it notices a rotation, so a superseded token revoked sooner is refused while apps still send it.
 */
export const MIN_REVOKE_SUPERSEDED_GRACE_SECONDS = 5 * 60;
/** A derived schedule runs at least hourly: runs that find nothing due cost one Secrets Manager read. */
const MAX_DERIVED_GAP_MINUTES = 60;
const DEFAULT_SCHEDULE = 'rate(1 hour)';
const MAX_TOKEN_ID_LENGTH = 40;

/** Built on first use (see lazySchema), parts included: the largest schema in the functions. */
const configSchema = lazySchema(() => {
  const duration = z.pipe(
    z.string({ error: 'must be a duration string like "90s", "15m", "12h" or "7d"' }),
    z.transform((text: string, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: text,
          message: `"${text}" is not a duration; use a whole number with s, m, h or d, like "12h" or "7d"`,
        });
        return z.NEVER;
      }
      return seconds;
    }),
  );

  const secretName = z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9/_+=.@-]{1,512}$/,
        'must be a Secrets Manager secret name: 1-512 of letters, digits and /_+=.@-',
      ),
    );
  const storeHash = z
    .string()
    .check(z.regex(/^[a-z0-9]{1,32}$/, 'must be a BigCommerce store hash: lowercase letters and digits'));
  const tokenId = z
    .string()
    .check(
      z.regex(
        new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${MAX_TOKEN_ID_LENGTH - 2}}[a-z0-9])?$`),
        `must be 1-${MAX_TOKEN_ID_LENGTH} lowercase letters, digits or hyphens, not starting or ending with a hyphen`,
      ),
    );
  const channelId = z
    .number({ error: 'must be a channel id (an integer >= 1)' })
    .check(z.int('must be an integer'), z.minimum(1, 'must be >= 1'));
  const channelIds = z.array(channelId, { error: 'must be an array of channel ids' }).check(
    z.minLength(1, 'must list at least one channel id'),
    z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a channel id'),
  );
  const origin = z.string().check(
    z.refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
      } catch {
        return false;
      }
    }, 'must be an origin like "https://shop.example.com" (scheme and host, optional port, no path or trailing slash)'),
  );
  const revokeSuperseded = z.optional(z.strictObject({ gracePeriod: duration }));

  const base = {
    id: tokenId,
    store: storeHash,
    secretName: z.optional(secretName),
    paused: z.optional(z.boolean({ error: 'must be true or false' })),
  };
  const storefrontBase = {
    ...base,
    lifetime: duration,
    renewBefore: duration,
    channelId: z.optional(channelId),
    channelIds: z.optional(channelIds),
  };

  const tokenSchema = z.discriminatedUnion(
    'family',
    [
      z.strictObject({
        ...storefrontBase,
        family: z.literal('storefront-private'),
        scopes: z
          .array(z.enum(PRIVATE_TOKEN_SCOPES, { error: `must be one of ${PRIVATE_TOKEN_SCOPES.join(', ')}` }), {
            error: 'must be an array of scopes',
          })
          .check(
            z.minLength(1, 'private tokens need at least one scope'),
            z.refine((s) => new Set(s).size === s.length, 'must not repeat a scope'),
          ),
        revokeSuperseded,
      }),
      z.strictObject({
        ...storefrontBase,
        family: z.literal('storefront'),
        allowedCorsOrigins: z
          .array(origin, { error: 'storefront tokens are browser tokens: list the origins allowed to use them' })
          .check(
            z.minLength(
              1,
              'storefront tokens are browser tokens: list at least one origin (server-side code needs storefront-private)',
            ),
            z.maxLength(2, 'BigCommerce accepts at most 2 CORS origins per token'),
          ),
        revokeSuperseded,
      }),
      z.strictObject({ ...storefrontBase, family: z.literal('customer-impersonation') }),
      z.strictObject({
        ...base,
        family: z.literal('stored-instruments'),
        renewBefore: duration,
        lifetime: z.optional(duration),
      }),
      z.strictObject({
        ...base,
        family: z.literal('b2b-backend'),
        rotationPeriod: duration,
        gracePeriod: z.optional(duration),
      }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? `family must be one of ${TOKEN_FAMILIES.join(', ')}` : undefined,
    },
  );

  const scheduleSchema = z.strictObject({
    expression: z.string().check(z.minLength(1)),
    timeZone: z.optional(z.string()),
  });

  const kmsKeyArn = z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN'));

  return z.strictObject({
    $schema: z.optional(z.string()),
    stores: z
      .array(
        z.strictObject({
          storeHash,
          credentialsSecret: z.optional(secretName),
          credentialsKmsKeyArn: z.optional(kmsKeyArn),
          b2bCredentialsSecret: z.optional(secretName),
          b2bCredentialsKmsKeyArn: z.optional(kmsKeyArn),
        }),
      )
      .check(z.minLength(1, 'list at least one store')),
    tokens: z.array(tokenSchema).check(z.minLength(1, 'list at least one token to manage')),
    schedules: z.optional(
      z.strictObject({
        storefront: z.optional(scheduleSchema),
        payments: z.optional(scheduleSchema),
        b2b: z.optional(scheduleSchema),
      }),
    ),
    notifications: z.optional(z.strictObject({ email: z.optional(z.email('must be an email address')) })),
    secretNamePrefix: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9/_+=.@-]{1,200}$/, 'must be letters, digits and /_+=.@-')),
    ),
    eventBusName: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9._-]{1,256}$/, 'must be an event bus name: letters, digits, . _ -')),
    ),
  });
});

type RawConfig = z.infer<ReturnType<typeof configSchema>>;
type RawToken = RawConfig['tokens'][number];

/**
 * Validates a configuration object (parsed JSON) and returns it normalised: durations in seconds, one
 * `channelIds` list, secret names resolved, schedules analysed (or derived). Throws ConfigError listing
 * every problem.
 */
export function parseConfig(input: unknown, source = 'configuration'): RotatorConfig {
  const parsed = configSchema().safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : issue.message,
      })),
      source,
    );
  }
  const raw = parsed.data;
  const issues: ConfigIssue[] = [];
  const prefix = raw.secretNamePrefix ?? 'bigcommerce';
  const schedules = Object.fromEntries(
    ROTATOR_KINDS.map((kind) => [kind, resolveSchedule(kind, raw, issues)]),
  ) as Record<RotatorKind, ScheduleConfig>;

  const stores = new Map<string, RawConfig['stores'][number]>();
  raw.stores.forEach((store, i) => {
    if (stores.has(store.storeHash))
      issues.push({ path: `stores[${i}].storeHash`, message: `store ${store.storeHash} is listed twice` });
    stores.set(store.storeHash, store);
  });

  const rootSecretNames = new Set(
    raw.stores.flatMap((s) => [s.credentialsSecret, s.b2bCredentialsSecret].filter((n) => n !== undefined)),
  );
  const ids = new Set<string>();
  const secretNames = new Map<string, string>();
  const tokens = raw.tokens.map((token, i): ManagedToken => {
    const path = `tokens[${i}]`;
    if (ids.has(token.id))
      issues.push({ path: `${path}.id`, message: `duplicate token id "${token.id}"; ids must be unique` });
    ids.add(token.id);
    const store = stores.get(token.store);
    if (!store) issues.push({ path: `${path}.store`, message: `store "${token.store}" is not listed under stores` });
    else if (token.family === 'b2b-backend' && !store.b2bCredentialsSecret) {
      issues.push({
        path: `${path}.store`,
        message: `store "${token.store}" needs b2bCredentialsSecret (the B2B Edition backend user's email and password) for b2b-backend tokens`,
      });
    } else if (token.family !== 'b2b-backend' && !store.credentialsSecret) {
      issues.push({
        path: `${path}.store`,
        message: `store "${token.store}" needs credentialsSecret (the store-level API account token) for ${token.family} tokens`,
      });
    }
    const resolvedSecretName = token.secretName ?? `${prefix}/${token.store}/${token.id}`;
    const nameProblem = managedSecretNameProblem(resolvedSecretName, rootSecretNames);
    if (nameProblem) issues.push({ path: `${path}.${token.secretName ? 'secretName' : 'id'}`, message: nameProblem });
    const clash = secretNames.get(resolvedSecretName);
    if (clash)
      issues.push({
        path: `${path}.secretName`,
        message: `secret name "${resolvedSecretName}" is already used by token "${clash}"`,
      });
    secretNames.set(resolvedSecretName, token.id);
    const paused = token.paused ? { paused: true as const } : {};

    if (token.family === 'b2b-backend') {
      const gracePeriodSeconds = token.gracePeriod ?? DEFAULT_B2B_GRACE_SECONDS;
      checkPeriod(token.rotationPeriod, gracePeriodSeconds, path, schedules.b2b, issues);
      return {
        id: token.id,
        storeHash: token.store,
        secretName: resolvedSecretName,
        ...paused,
        family: token.family,
        rotationPeriodSeconds: token.rotationPeriod,
        gracePeriodSeconds,
      };
    }
    const common = {
      id: token.id,
      storeHash: token.store,
      secretName: resolvedSecretName,
      ...paused,
      renewBeforeSeconds: token.renewBefore,
    };
    if (token.family === 'stored-instruments') {
      const lifetimeSeconds = token.lifetime ?? DEFAULT_STORED_INSTRUMENTS_LIFETIME_SECONDS;
      checkWindow(
        { lifetime: lifetimeSeconds, renewBefore: token.renewBefore, lifetimeMeaning: "BigCommerce's token lifetime" },
        path,
        schedules.payments,
        issues,
      );
      return { ...common, family: token.family, lifetimeSeconds };
    }
    checkWindow(
      { lifetime: token.lifetime, renewBefore: token.renewBefore, lifetimeMeaning: 'lifetime' },
      path,
      schedules[FAMILY_ROTATOR[token.family]],
      issues,
    );
    const grace = 'revokeSuperseded' in token ? token.revokeSuperseded?.gracePeriod : undefined;
    if (grace !== undefined && grace < MIN_REVOKE_SUPERSEDED_GRACE_SECONDS) {
      issues.push({
        path: `${path}.revokeSuperseded.gracePeriod`,
        message:
          `gracePeriod (${formatDuration(grace)}) must be at least ${formatDuration(MIN_REVOKE_SUPERSEDED_GRACE_SECONDS)}, ` +
          "the token reader's default maxAgeMs: apps keep the token they read that long before they notice a rotation, " +
          'so a shorter grace period revokes the superseded token while they still send it',
      });
    } else if (grace !== undefined && grace >= token.lifetime) {
      issues.push({
        path: `${path}.revokeSuperseded.gracePeriod`,
        message:
          'the grace period must be shorter than the lifetime, or superseded tokens expire before they could be revoked',
      });
    }
    const storefront = {
      ...common,
      lifetimeSeconds: token.lifetime,
      channelIds: resolveChannels(token, path, issues),
      ...(grace !== undefined ? { revokeSuperseded: { gracePeriodSeconds: grace } } : {}),
    };
    switch (token.family) {
      case 'storefront-private':
        return { ...storefront, family: token.family, scopes: token.scopes };
      case 'storefront':
        return { ...storefront, family: token.family, allowedCorsOrigins: token.allowedCorsOrigins };
      default: {
        const { revokeSuperseded: _none, ...impersonation } = storefront;
        return { ...impersonation, family: token.family };
      }
    }
  });

  if (issues.length > 0) throw new ConfigError(issues, source);
  return {
    notifications: raw.notifications ?? {},
    stores: raw.stores,
    tokens,
    schedules,
    secretNamePrefix: prefix,
    eventBusName: raw.eventBusName ?? PRODUCT_NAME,
  };
}

/**
 * The configured schedule, analysed; or, when none is configured, the default: hourly for storefront
 * tokens, and for payments tokens (whose short lifetime BigCommerce sets) the longest rate that still
 * runs inside the shortest renewal window.
 */
function resolveSchedule(kind: RotatorKind, raw: RawConfig, issues: ConfigIssue[]): ScheduleConfig {
  const given = raw.schedules?.[kind];
  const timeZone = given?.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone))
    issues.push({ path: `schedules.${kind}.timeZone`, message: `"${timeZone}" is not an IANA time zone name` });
  let expression = given?.expression;
  if (expression === undefined) {
    const windows = raw.tokens.flatMap((t, i) => (t.family === 'stored-instruments' ? [{ t, i }] : []));
    const tightest = windows.sort((a, b) => a.t.renewBefore - b.t.renewBefore)[0];
    if (kind === 'payments' && tightest) {
      const minutes = Math.min(MAX_DERIVED_GAP_MINUTES, Math.floor((tightest.t.renewBefore - RUN_MARGIN_SECONDS) / 60));
      if (minutes < 1) {
        issues.push({
          path: `tokens[${tightest.i}].renewBefore`,
          message: `renewBefore (${formatDuration(tightest.t.renewBefore)}) leaves no room for a schedule: it must be at least ${formatDuration(RUN_MARGIN_SECONDS + 60)}`,
        });
        return { expression: 'rate(1 minute)', timeZone, maxGapSeconds: 0, derived: true };
      }
      expression = `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
    } else expression = DEFAULT_SCHEDULE;
    const analysis = analyseSchedule(expression, timeZone);
    return { expression, timeZone, maxGapSeconds: analysis.ok ? analysis.maxGapSeconds : 0, derived: true };
  }
  const analysis = analyseSchedule(expression, timeZone);
  if (!analysis.ok) issues.push({ path: `schedules.${kind}.expression`, message: analysis.problem });
  return { expression, timeZone, maxGapSeconds: analysis.ok ? analysis.maxGapSeconds : 0, derived: false };
}

/**
 * What is wrong with a managed secret's name (`tokens[].secretName`, or the one made of the prefix, store and
 * id), or undefined. Path segments `.` and `..` and empty ones read as paths they are not, in IAM patterns and
 * to people. Secrets Manager appends `-` and six characters to every name in its ARN, and its documentation
 * warns against names that end the same way: a partial ARN would name two secrets. And a root-credential secret
 * is the operator's: the stack must never create it, tag it or write a token into it.
 */
function managedSecretNameProblem(name: string, rootSecretNames: ReadonlySet<string>): string | undefined {
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return `secret name "${name}" has an empty, "." or ".." path segment`;
  }
  if (/-[A-Za-z0-9]{6}$/.test(name)) {
    return `secret name "${name}" ends with a hyphen and six characters, as Secrets Manager ends every secret's ARN: a partial ARN would be ambiguous (change the end of the token id, or set secretName)`;
  }
  if (rootSecretNames.has(name)) {
    return `secret name "${name}" is a store's root-credential secret (credentialsSecret or b2bCredentialsSecret): a managed token needs a secret of its own`;
  }
  return undefined;
}

/** Fields that exist for other families get their reason, not just "unknown". */
const FIELD_EXPLANATIONS: Record<string, string> = {
  revokeSuperseded:
    'revokeSuperseded is available only for storefront-private and storefront tokens: BigCommerce documents revocation only for storefront and private tokens',
  scopes: 'scopes apply only to storefront-private tokens',
  allowedCorsOrigins: 'allowedCorsOrigins apply only to storefront tokens',
  channelId: 'stored-instruments and b2b-backend tokens are not tied to channels',
  channelIds: 'stored-instruments and b2b-backend tokens are not tied to channels',
  renewBefore: 'b2b-backend tokens never expire: set rotationPeriod instead',
  lifetime: 'b2b-backend tokens never expire: set rotationPeriod instead',
};

function unknownFields(keys: string[]): string {
  // Own keys only: `constructor` or `__proto__` in a configuration would otherwise find Object's members.
  const explains = (k: string) => Object.hasOwn(FIELD_EXPLANATIONS, k);
  const explained = keys.filter(explains).map((k) => FIELD_EXPLANATIONS[k]);
  const unknown = keys.filter((k) => !explains(k));
  return [
    ...(unknown.length > 0
      ? [`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`]
      : []),
    ...explained,
  ].join('; ');
}

function resolveChannels(
  token: Extract<RawToken, { channelIds?: unknown }>,
  path: string,
  issues: ConfigIssue[],
): number[] {
  if (token.channelId !== undefined && token.channelIds !== undefined) {
    issues.push({
      path: `${path}.channelIds`,
      message: 'give either channelId or channelIds, not both (BigCommerce refuses both in one request)',
    });
    return [];
  }
  if (token.channelId === undefined && token.channelIds === undefined) {
    issues.push({
      path: `${path}.channelIds`,
      message: 'give channelId or channelIds: BigCommerce needs the channel(s) the token is valid for',
    });
    return [];
  }
  return token.channelIds ?? [token.channelId as number];
}

/** B2B tokens never expire: the schedule must honour the period, and the grace must outlast a run. */
function checkPeriod(
  period: number,
  grace: number,
  path: string,
  schedule: ScheduleConfig,
  issues: ConfigIssue[],
): void {
  if (period > MAX_LIFETIME_SECONDS)
    issues.push({
      path: `${path}.rotationPeriod`,
      message: `${formatDuration(period)} is longer than the 365d maximum`,
    });
  if (schedule.maxGapSeconds > 0 && period < schedule.maxGapSeconds + RUN_MARGIN_SECONDS) {
    issues.push({
      path: `${path}.rotationPeriod`,
      message: `rotationPeriod (${formatDuration(period)}) must be at least the longest gap between runs of "${schedule.expression}" (${formatDuration(schedule.maxGapSeconds)}) plus ${formatDuration(RUN_MARGIN_SECONDS)}, or the schedule cannot honour it`,
    });
  }
  if (grace < MIN_B2B_GRACE_SECONDS) {
    issues.push({
      path: `${path}.gracePeriod`,
      message: `gracePeriod (${formatDuration(grace)}) must be at least ${formatDuration(MIN_B2B_GRACE_SECONDS)}, so a token another run has just minted is never revoked before it is stored`,
    });
  }
}

/**
 * The invariant that keeps a valid token in the secret at every moment: a run always falls inside the
 * renewal window (`renewBefore >= longest gap + margin`), and a fresh token is not already due
 * (`renewBefore < lifetime`).
 */
function checkWindow(
  window: { lifetime: number; renewBefore: number; lifetimeMeaning: string },
  path: string,
  schedule: ScheduleConfig,
  issues: ConfigIssue[],
): void {
  const { lifetime, renewBefore, lifetimeMeaning } = window;
  if (lifetime > MAX_LIFETIME_SECONDS)
    issues.push({ path: `${path}.lifetime`, message: `${formatDuration(lifetime)} is longer than the 365d maximum` });
  if (renewBefore >= lifetime) {
    issues.push({
      path: `${path}.renewBefore`,
      message: `renewBefore (${formatDuration(renewBefore)}) must be shorter than ${lifetimeMeaning} (${formatDuration(lifetime)}), or every run would re-mint`,
    });
    return;
  }
  if (schedule.maxGapSeconds > 0 && renewBefore < schedule.maxGapSeconds + RUN_MARGIN_SECONDS) {
    issues.push({
      path: `${path}.renewBefore`,
      message:
        `renewBefore (${formatDuration(renewBefore)}) must be at least the longest gap between runs of "${schedule.expression}" ` +
        `(${formatDuration(schedule.maxGapSeconds)}) plus ${formatDuration(RUN_MARGIN_SECONDS)}, or the token could expire between two runs`,
    });
  }
}
