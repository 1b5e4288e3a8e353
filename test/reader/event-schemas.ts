import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** Each event's detail-type and the schema of its `detail`, in schemas/. */
export const EVENT_SCHEMA_FILES = {
  'Token Rotated': 'token-rotated.schema.json',
  'Token Rotation Failed': 'token-rotation-failed.schema.json',
  'Stale Token Revoked': 'stale-token-revoked.schema.json',
} as const;

export type EventDetailType = keyof typeof EVENT_SCHEMA_FILES;

const SCHEMAS_DIR = path.resolve(__dirname, '../../schemas');

/**
 * Validates an event's `detail` against its schema (draft 2020-12, formats asserted). Answers the
 * problems, none when it is valid; an unknown detail-type is a problem too.
 */
export function eventDetailValidator(): (detailType: string, detail: unknown) => string[] {
  // strict: a schema keyword ajv does not know is an error, not silently ignored.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const validators = new Map(
    Object.entries(EVENT_SCHEMA_FILES).map(([detailType, file]) => [
      detailType,
      ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8'))),
    ]),
  );
  return (detailType, detail) => {
    const validate = validators.get(detailType);
    if (!validate) return [`no schema for detail-type ${JSON.stringify(detailType)}`];
    return validate(detail) ? [] : (validate.errors ?? []).map(describe);
  };
}

function describe(error: ErrorObject): string {
  const extra = error.keyword === 'additionalProperties' ? ` (${error.params.additionalProperty})` : '';
  return `${error.instancePath || '/'} ${error.message}${extra}`;
}
