import fc from 'fast-check';
import { ConfigError } from '../../functions/config/errors';
import { parseConfig } from '../../functions/config/schema';
import { InvalidEventError, parseRotationEvent } from '../../functions/rotator/event';
import { storefrontConfig, useRotator } from '../support/rotator';

const { tokens } = parseConfig(storefrontConfig());
const ids = tokens.map((t) => t.id);

/** Events near the valid shape as well as arbitrary JSON. */
const eventLike = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      targets: fc.oneof(
        fc.array(fc.oneof(fc.constantFrom(...ids, 'nope', ''), fc.string(), fc.integer())),
        fc.string(),
        fc.constant(null),
      ),
      force: fc.oneof(fc.boolean(), fc.string(), fc.integer(), fc.constant(null)),
      dryRun: fc.oneof(fc.boolean(), fc.jsonValue()),
      trigger: fc.oneof(fc.constantFrom('schedule', 'manual', 'cron'), fc.jsonValue()),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

describe('fuzzing the manual-event parser', () => {
  it('gives a typed request or an InvalidEventError, never anything else (5000 cases)', () => {
    let refused = 0;
    fc.assert(
      fc.property(eventLike, (event) => {
        try {
          const request = parseRotationEvent(event, 'storefront', tokens);
          expect(Array.isArray(request.targets)).toBe(true);
          expect(typeof request.force).toBe('boolean');
          expect(typeof request.dryRun).toBe('boolean');
          for (const t of request.targets) expect(ids).toContain(t.id);
        } catch (error) {
          if (!(error instanceof InvalidEventError)) throw error;
          expect(error.message).toMatch(/^Invalid invocation event: /);
          refused += 1;
        }
      }),
      { numRuns: 5000 },
    );
    expect(refused).toBeGreaterThan(1000);
  });
});

/** A valid configuration with one value somewhere replaced by arbitrary JSON. */
function mutated(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, [...path, i]);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(base, []);
  return fc.tuple(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue()).map(([path, replacement]) => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    let node: Record<string | number, unknown> = copy;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path.at(-1) as string | number] = replacement;
    return copy;
  });
}

describe('fuzzing the configuration validator', () => {
  it('gives a configuration or a ConfigError naming a field, never a crash (4000 cases)', () => {
    let refused = 0;
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), mutated(storefrontConfig()), mutated(storefrontConfig()), mutated(storefrontConfig())),
        (input) => {
          try {
            const config = parseConfig(input);
            expect(config.tokens.length).toBeGreaterThan(0);
            for (const t of config.tokens) expect(typeof t.secretName).toBe('string');
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            expect(error.issues.length).toBeGreaterThan(0);
            for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);
            refused += 1;
          }
        },
      ),
      { numRuns: 4000 },
    );
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('fuzzing the handler with bad events', () => {
  const rotator = useRotator();

  it('refuses every invalid event before any request reaches BigCommerce or AWS (300 cases)', async () => {
    const h = rotator();
    const invalid = eventLike.filter((event) => {
      try {
        parseRotationEvent(event, 'storefront', h.config.tokens);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(invalid, async (event) => {
        h.sandbox.bigcommerce.server.clearRequests();
        h.sandbox.aws.server.clearRequests();
        await expect(h.invoke(event)).rejects.toThrow(InvalidEventError);
        expect(h.sandbox.bigcommerce.server.requests()).toHaveLength(0);
        expect(h.sandbox.aws.server.requests()).toHaveLength(0);
      }),
      { numRuns: 300 },
    );
  });
});
