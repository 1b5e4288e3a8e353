import http from 'node:http';
import type { SandboxRequest, SandboxResponse } from '../http';
import type { RecordedEvent } from './event-bridge';

/** Connection-level headers: each hop sets its own (the relay recomputes the body's length). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/**
 * Sends the request as it came (method, path, query, headers, body) to another AWS implementation and
 * returns its answer unchanged. The SigV4 signature covers the sandbox's host, not the upstream's; that is
 * fine for implementations that do not verify signatures (moto does not), and a real AWS endpoint would
 * refuse it, which is intended: upstream mode is for local conformance runs only.
 */
export function forward(upstream: URL, request: SandboxRequest): Promise<SandboxResponse> {
  const body = Buffer.from(request.rawBody, 'utf8');
  const headers: http.OutgoingHttpHeaders = { 'content-length': body.length };
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  const query = request.query.toString();
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      new URL(`${request.path}${query ? `?${query}` : ''}`, upstream),
      { method: request.method, headers },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const relayed: Record<string, string> = {};
          for (const [name, value] of Object.entries(incoming.headers))
            if (value !== undefined && !HOP_BY_HOP.has(name))
              relayed[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({
            status: incoming.statusCode ?? 502,
            headers: relayed,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The entries of a forwarded PutEvents that the upstream accepted (those its answer gave an EventId). */
export function acceptedEvents(requestBody: string, responseBody: string, now: Date): RecordedEvent[] {
  const entries = parseObject(requestBody)?.Entries;
  const results = parseObject(responseBody)?.Entries;
  if (!Array.isArray(entries) || !Array.isArray(results)) return [];
  return entries.flatMap((entry: Record<string, unknown>, i): RecordedEvent[] => {
    const eventId = (results[i] as Record<string, unknown> | undefined)?.EventId;
    if (typeof eventId !== 'string') return [];
    const busRef = typeof entry.EventBusName === 'string' && entry.EventBusName ? entry.EventBusName : 'default';
    return [
      {
        eventId,
        eventBusName: busRef.slice(busRef.lastIndexOf('/') + 1),
        source: String(entry.Source),
        detailType: String(entry.DetailType),
        detail: parseJson(String(entry.Detail)),
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        time: typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : now,
      },
    ];
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const value = parseJson(text);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The parsed JSON, or the text itself when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
