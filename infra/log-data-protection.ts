import * as logs from 'aws-cdk-lib/aws-logs';
import { PRODUCT_NAME } from '../functions/config/types';

/**
 * A JSON Web Token: three base64url segments joined by dots, the first being a JSON header (`{"` encodes to
 * `eyJ`): the shape of every token family this product rotates. The signature segment may be empty (an
 * unsigned token is still a token). CloudWatch Logs accepts no groups or lookarounds in a custom data
 * identifier (no parentheses among its supported characters), hence the flat pattern.
 */
export const JWT_PATTERN = 'eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*';

/** A stored-instruments token as BigCommerce returns it and consumers send it: `IAT <jwt>`. */
export const STORED_INSTRUMENTS_TOKEN_PATTERN = `IAT ${JWT_PATTERN}`;

/**
 * What lies between a credential's field name and its value in a log line: the name's closing quote (escaped
 * once or twice when the JSON was echoed into a message), a colon, then spaces or backslashes and one last
 * character, neither a backslash nor a letter or digit: the value's opening quote, or the space after a header's
 * colon (`":"`, `\":\"`, `": "`, `: `, `': '`). CloudWatch Logs accepts no quote or colon in a custom data
 * identifier, so the colon is the class `[9-;]` (9, : and ;, the range around it), and the quotes are non-word
 * characters. A colon is required: a line that names the field without a value
 * (`"field":"accessToken","problem":"missing"`) does not match, nor does `"accessToken":null`, whose value follows
 * the colon directly.
 */
const FIELD_VALUE_SEPARATOR = '\\W{0,4}[9-;][ \\\\]{0,4}[^\\w\\\\]';

/**
 * A BigCommerce API account token as BigCommerce issues it: letters and digits (31 in its examples), at least 8
 * here, so that a placeholder (`"<store-level API account token>"`, which starts with `<`) or a word is no value.
 */
const API_TOKEN_VALUE = '[A-Za-z0-9_-]{8,}';

/**
 * A password as its owner chose it, any character: from its first character (not a space, a backslash or `<`,
 * written as the range `;-=`, so that a placeholder such as `"<their password>"` is no value) to the end of an
 * escaped JSON string (a backslash) or of the line. A line that echoes a password is masked from there on.
 */
const PASSWORD_VALUE = '[^\\s\\\\;-=][^\\\\]*';

/** The root-credential secret's field (`{"accessToken":"..."}`), also spelled `access_token`. */
export const API_ACCOUNT_TOKEN_PATTERN = `[Aa]ccess_?[Tt]oken${FIELD_VALUE_SEPARATOR}${API_TOKEN_VALUE}`;

/** The header BigCommerce's REST API takes the API account token in, in any letter case. */
export const AUTH_TOKEN_HEADER_PATTERN = `[Xx]-[Aa][Uu][Tt][Hh]-[Tt][Oo][Kk][Ee][Nn]${FIELD_VALUE_SEPARATOR}${API_TOKEN_VALUE}`;

/** The B2B Edition backend user's password (`{"email":"...","password":"..."}`). */
export const PASSWORD_PATTERN = `[Pp]assword${FIELD_VALUE_SEPARATOR}${PASSWORD_VALUE}`;

export const TOKEN_DATA_IDENTIFIERS: readonly logs.CustomDataIdentifier[] = [
  new logs.CustomDataIdentifier('BigCommerceJwt', JWT_PATTERN),
  new logs.CustomDataIdentifier('BigCommerceStoredInstrumentsToken', STORED_INSTRUMENTS_TOKEN_PATTERN),
  new logs.CustomDataIdentifier('BigCommerceApiAccountToken', API_ACCOUNT_TOKEN_PATTERN),
  new logs.CustomDataIdentifier('BigCommerceAuthTokenHeader', AUTH_TOKEN_HEADER_PATTERN),
  new logs.CustomDataIdentifier('B2bBackendUserPassword', PASSWORD_PATTERN),
];

/**
 * The functions scrub every token and credential they have seen from what they write; this is the second line
 * of defence, for one they did not know of or a slip in the scrubbing. CloudWatch Logs masks a matching value at
 * ingestion for every reader without `logs:Unmask`, and counts it in the log group's `LogEventsWithFindings`
 * metric. The policy has the two statements CloudWatch Logs requires, Audit and Deidentify (MaskConfig) over
 * the same identifiers; the Audit statement has no findings destination, the metric being enough to notice.
 */
export function tokenDataProtectionPolicy(): logs.DataProtectionPolicy {
  return new logs.DataProtectionPolicy({
    name: `${PRODUCT_NAME}-tokens`,
    description:
      'Masks BigCommerce tokens (JWTs, stored-instruments IAT tokens), API account tokens and B2B passwords that reach a log line',
    identifiers: [...TOKEN_DATA_IDENTIFIERS],
  });
}
