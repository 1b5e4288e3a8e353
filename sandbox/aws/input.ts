import { AwsError, invalidParameter } from './errors';

/** Field readers for AWS JSON inputs: wrong types are the caller's error, not a crash. */
export type Input = Record<string, unknown>;

export function requiredString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0)
    throw invalidParameter(`${field} is required and must be a non-empty string.`);
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter(`${field} must be a boolean.`);
  return value;
}

export function optionalInteger(input: Input, field: string, min: number, max: number): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalidParameter(`${field} must be an integer from ${min} to ${max}.`);
  return value;
}

export function optionalArray(input: Input, field: string): unknown[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParameter(`${field} must be a list.`);
  return value;
}

/** Epoch seconds, the AWS JSON 1.1 timestamp format. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** Opaque pagination: the offset of the next page. */
export function page<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultMax: number,
): { items: T[]; NextToken?: string } {
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new AwsError('InvalidNextTokenException', 'The NextToken value is not valid.');
    offset = decoded;
  }
  const size = maxResults ?? defaultMax;
  const slice = items.slice(offset, offset + size);
  const next =
    offset + size < items.length ? Buffer.from(String(offset + size), 'utf8').toString('base64url') : undefined;
  return next ? { items: slice, NextToken: next } : { items: slice };
}
