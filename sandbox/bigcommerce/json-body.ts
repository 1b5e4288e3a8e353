/** Request bodies the simulated endpoints accept: a JSON object, or nothing (treated as `{}`). */
export type JsonBody = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

export function parseJsonObject(raw: string): JsonBody {
  if (raw.trim().length === 0) return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, problem: 'the request body is not valid JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, problem: 'the request body must be a JSON object' };
  return { ok: true, value: parsed as Record<string, unknown> };
}

export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}
