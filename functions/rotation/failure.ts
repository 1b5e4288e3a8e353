import { BigCommerceApiError, BigCommerceUnavailableError } from '../bigcommerce/errors';
import { redactor } from '../observability/redaction';
import { CredentialsError } from './store-credentials';

/**
 * The steps that can fail (deciding is pure), named as docs/design.md "How a rotation works" numbers them;
 * `credentials` is reading a store's root-credential secret, part of the mint.
 */
export type RotationStep =
  | 'read'
  | 'claim'
  | 'credentials'
  | 'mint'
  | 'stage'
  | 'verify'
  | 'promote'
  | 'cleanup'
  | 'announce';

/**
 * Why a rotation failed, as structured facts: what results, events, logs and alarms carry instead of any
 * vendor's free text (an error body can echo a credential). Every string here is this product's own, or
 * one of BigCommerce's known titles.
 */
export interface FailureFacts {
  step: RotationStep;
  /** The error's class or AWS's exception name, e.g. `BigCommerceApiError`, `ThrottlingException`. */
  code: string;
  httpStatus?: number;
  /** BigCommerce endpoint, as a path template: `POST /v3/storefront/api-token-private`. */
  endpoint?: string;
  /** BigCommerce's own title, only when it is one of the known ones. */
  title?: string;
  /** The root-credential secret concerned, for the `credentials` step. */
  secretName?: string;
  /** This product's own description, for failures it detected itself (a malformed token, a timeout). */
  detail?: string;
  /** What the operator does. */
  hint: string;
}

/**
 * Marks errors whose messages this product composes from facts it checked, never from a vendor's text, so
 * their message may be repeated as `detail`.
 */
export interface OwnMessage {
  readonly ownMessage: true;
}

const TRANSIENT = 'transient: the previous token stays current and the next run retries';

export function failureFacts(step: RotationStep, error: unknown): FailureFacts {
  if (error instanceof CredentialsError) {
    return withDetail(
      {
        step: 'credentials',
        code: error.name,
        hint: error.hint,
        ...(error.secretName ? { secretName: error.secretName } : {}),
      },
      error,
    );
  }
  if (error instanceof BigCommerceApiError) {
    return {
      step,
      code: error.name,
      httpStatus: error.status,
      endpoint: error.endpoint,
      ...(error.title ? { title: error.title } : {}),
      hint: error.hint ?? apiHint(step, error.status),
    };
  }
  const code = error instanceof Error ? error.name : 'Error';
  const awsStatus = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (awsStatus !== undefined) {
    return {
      step,
      code,
      httpStatus: awsStatus,
      hint: `AWS refused or could not complete the call; ${TRANSIENT}. If it repeats, check the function's permissions`,
    };
  }
  const endpoint = error instanceof BigCommerceUnavailableError ? { endpoint: error.endpoint } : {};
  return withDetail({ step, code, ...endpoint, hint: defaultHint(step) }, error);
}

/** One sentence for the result's `reason`, made of the facts alone. */
export function failureReason(facts: FailureFacts): string {
  const what = facts.endpoint
    ? `BigCommerce ${facts.endpoint}${facts.httpStatus !== undefined ? ` answered ${facts.httpStatus}` : ' failed'}`
    : `${facts.code}${facts.httpStatus !== undefined ? ` (HTTP ${facts.httpStatus})` : ''}`;
  const title = facts.title ? ` (${facts.title})` : '';
  const detail = facts.detail ? `: ${facts.detail}` : '';
  return `${facts.step} failed: ${what}${title}${detail}. ${capitalise(facts.hint)}`;
}

function withDetail(facts: FailureFacts, error: unknown): FailureFacts {
  const own = (error as Partial<OwnMessage> | undefined)?.ownMessage === true;
  return own ? { ...facts, detail: redactor.redact((error as Error).message) } : facts;
}

function apiHint(step: RotationStep, status: number): string {
  if (status === 429 || status >= 500) return `BigCommerce was busy or unavailable; ${TRANSIENT}`;
  if (step === 'verify') {
    return "the new token did not work at BigCommerce and was not promoted; check the token's channels, scopes and origins";
  }
  if (status === 401) return 'BigCommerce refused the credentials; check the root-credential secret of this store';
  if (status === 403) return "BigCommerce refused the call: the store's API account lacks a permission";
  return 'BigCommerce refused the request; check the token configuration';
}

function defaultHint(step: RotationStep): string {
  if (step === 'verify') return 'the new token could not be proven to work, so it was not promoted';
  if (step === 'mint') return `BigCommerce's answer could not be used; ${TRANSIENT}`;
  return TRANSIENT;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
