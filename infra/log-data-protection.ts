import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * A JSON Web Token: three base64url segments joined by dots, the first being a JSON header (`{"` encodes to
 * `eyJ`): the shape of every token family this product rotates. The signature segment may be empty (an
 * unsigned token is still a token). CloudWatch Logs accepts no groups or lookarounds in a custom data
 * identifier (no parentheses among its supported characters), hence the flat pattern.
 */
export const JWT_PATTERN = 'eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*';

/** A stored-instruments token as BigCommerce returns it and consumers send it: `IAT <jwt>`. */
export const STORED_INSTRUMENTS_TOKEN_PATTERN = `IAT ${JWT_PATTERN}`;

export const TOKEN_DATA_IDENTIFIERS: readonly logs.CustomDataIdentifier[] = [
  new logs.CustomDataIdentifier('BigCommerceJwt', JWT_PATTERN),
  new logs.CustomDataIdentifier('BigCommerceStoredInstrumentsToken', STORED_INSTRUMENTS_TOKEN_PATTERN),
];

/**
 * The functions scrub every token they have seen from what they write; this is the second line of defence,
 * for a token they did not know of or a slip in the scrubbing. CloudWatch Logs masks a matching value at
 * ingestion for every reader without `logs:Unmask`, and counts it in the log group's `LogEventsWithFindings`
 * metric. The policy has the two statements CloudWatch Logs requires, Audit and Deidentify (MaskConfig) over
 * the same identifiers; the Audit statement has no findings destination, the metric being enough to notice.
 */
export function tokenDataProtectionPolicy(): logs.DataProtectionPolicy {
  return new logs.DataProtectionPolicy({
    name: 'bigcommerce-token-rotator-tokens',
    description: 'Masks BigCommerce tokens (JWTs, and stored-instruments IAT tokens) that reach a log line',
    identifiers: [...TOKEN_DATA_IDENTIFIERS],
  });
}
