/** A bounded log of API requests and per-action counters, so tests can count calls. */

export interface RequestLogEntry {
  /** Real wall-clock epoch ms of arrival. */
  time: number;
  /** Fleet clock at arrival. */
  fleetTime: number;
  requestId: string;
  /** The action the request named ('' if none). */
  action: string;
  /** Action parameters (authentication parameters such as Signature are left out). */
  params: Record<string, string>;
  /** HTTP status sent (200 also for malformed and reset responses). */
  status: number;
  /** Error code (gateway Code or body ErrCode), or the injected fault for malformed/reset; undefined on success. */
  code?: string;
  accessKeyId?: string;
}

const AUTH_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'Timestamp',
  'Signature',
  'SignatureNonce',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureType',
  'AccessKeyId',
  'SecurityToken',
  'BearerToken',
]);

export function loggableParams(params: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) if (!AUTH_PARAMS.has(name)) out[name] = value;
  return out;
}

export class RequestLog {
  private readonly ring: RequestLogEntry[] = [];
  private readonly perAction = new Map<string, number>();
  private totalCount = 0;

  constructor(private readonly capacity = 10_000) {}

  record(entry: RequestLogEntry): void {
    this.ring.push(entry);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    this.perAction.set(entry.action, (this.perAction.get(entry.action) ?? 0) + 1);
    this.totalCount += 1;
  }

  /** The most recent entries (at most `capacity`), oldest first, optionally filtered. */
  entries(filter?: (entry: RequestLogEntry) => boolean): RequestLogEntry[] {
    return filter ? this.ring.filter(filter) : [...this.ring];
  }

  /** Requests received since start or the last clear(), for one action or all. Not bounded by capacity. */
  count(action?: string): number {
    return action === undefined ? this.totalCount : (this.perAction.get(action) ?? 0);
  }

  /** Counters per action name. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.perAction);
  }

  clear(): void {
    this.ring.length = 0;
    this.perAction.clear();
    this.totalCount = 0;
  }
}
