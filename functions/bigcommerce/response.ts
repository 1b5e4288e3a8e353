import type * as z from '../config/zod';
import { UnexpectedResponseError } from './errors';

/**
 * Parses a 2xx body with its schema. The error names the fields that were wrong, never their values:
 * bodies can contain tokens.
 */
export function parseResponse<T>(schema: z.ZodMiniType<T>, body: unknown, endpoint: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const where = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(body)'))].join(', ');
  throw new UnexpectedResponseError(endpoint, `missing or invalid ${where}`);
}
