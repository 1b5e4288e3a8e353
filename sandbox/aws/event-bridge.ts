import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import { AwsError } from './errors';
import { type Input, optionalArray } from './input';

/** PutEvents accepts at most this many entries per call. */
export const MAX_ENTRIES = 10;
/** PutEvents total entry size limit (256 KB), computed the way AWS documents it. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export interface RecordedEvent {
  eventId: string;
  eventBusName: string;
  source: string;
  detailType: string;
  detail: unknown;
  resources: string[];
  time: Date;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** EventBridge `PutEvents`: per-entry validation, bus existence, count and size limits; accepted events are kept. */
export class EventBridge {
  private readonly buses = new Set<string>(['default']);
  private readonly recorded: RecordedEvent[] = [];
  readonly operations: Record<string, (input: Input) => Record<string, unknown>>;

  constructor(
    private readonly clock: SandboxClock,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    this.operations = { PutEvents: (i) => this.putEvents(i) };
  }

  createEventBus(name: string): string {
    this.buses.add(name);
    return this.busArn(name);
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  /** Accepted events, oldest first; optionally those on one bus. */
  events(busName?: string): RecordedEvent[] {
    return this.recorded.filter((e) => busName === undefined || e.eventBusName === busName);
  }

  clearEvents(): void {
    this.recorded.length = 0;
  }

  private putEvents(input: Input): Record<string, unknown> {
    const entries = optionalArray(input, 'Entries');
    if (!entries || entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const total = entries.reduce<number>((sum, e) => sum + entrySize((e ?? {}) as Input), 0);
    if (total > MAX_REQUEST_BYTES)
      throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');

    const results: EntryResult[] = entries.map((e) => this.putEntry((e ?? {}) as Input));
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private putEntry(entry: Input): EntryResult {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (typeof entry[field] !== 'string' || (entry[field] as string).length === 0) {
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        };
      }
    }
    const source = entry.Source as string;
    if (source.startsWith('aws.'))
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: `Not authorized for the source ${source}.` };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };

    const busRef =
      typeof entry.EventBusName === 'string' && entry.EventBusName.length > 0 ? entry.EventBusName : 'default';
    const busName = busRef.startsWith('arn:') ? busRef.slice(busRef.lastIndexOf('/') + 1) : busRef;
    if (!this.buses.has(busName) || (busRef.startsWith('arn:') && busRef !== this.busArn(busName))) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busRef} does not exist.` };
    }
    const resources = Array.isArray(entry.Resources)
      ? entry.Resources.filter((r): r is string => typeof r === 'string')
      : [];
    const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : this.clock.now();
    const eventId = randomUUID();
    this.recorded.push({
      eventId,
      eventBusName: busName,
      source,
      detailType: entry.DetailType as string,
      detail,
      resources,
      time,
    });
    return { EventId: eventId };
  }
}

/** AWS's documented PutEvents entry size: Time counts 14 bytes; Source, DetailType, Detail and Resources their UTF-8 bytes. */
export function entrySize(entry: Input): number {
  const bytes = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  let size = entry.Time !== undefined ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += bytes(r);
  return size;
}
