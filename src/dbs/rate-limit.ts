/**
 * Per-account limits on DBS calls, as a DbsApi decorator: a token bucket (burst), at most
 * requests_per_second sent in any rolling second, a cap on calls in flight, and a shared pause
 * after DBS throttles. Why each exists and what was measured: docs/design/dbs-client.md.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { TokenBucket } from 'limiter';
import pLimit from 'p-limit';
import type { DbsApi } from './api.js';
import { DbsApiError } from './errors.js';
import { API_VERSION } from './schemas.js';

export interface RateLimitSettings {
  requestsPerSecond: number;
  burst: number;
  /** Cap on calls in flight at once. */
  maxConcurrency: number;
  /** First pause after a throttled answer; doubles while throttling continues. */
  throttlePauseMs?: number;
  maxThrottlePauseMs?: number;
}

export interface Limiter {
  wrap(api: DbsApi): DbsApi;
  /** Times a call was delayed because DBS had just throttled this account. */
  readonly throttlePauses: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * At most `max` requests *sent* in any rolling `windowMs`, stamped when each leaves (a stall in
 * the SDK between grant and socket must not bunch grants up). Granted only while sends in the
 * window + granted-but-unsent < max, so every window holds at most max sends.
 */
export class SendWindow {
  /** The last `max` send times, oldest overwritten first. */
  private readonly times: Float64Array;
  private next = 0;
  private outstanding = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly max: number,
    readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.max = Math.max(1, Math.floor(max));
    this.times = new Float64Array(this.max).fill(-Infinity);
  }

  /** Resolves when one more call may send; grants are in arrival order. */
  acquire(): Promise<void> {
    const granted = this.queue.then(async () => {
      for (;;) {
        const wait = this.waitMs();
        if (wait <= 0) break;
        await sleep(Math.ceil(wait));
      }
      this.outstanding += 1;
    });
    this.queue = granted;
    return granted;
  }

  private waitMs(): number {
    // Every slot is taken by a call about to send: wait for one to go.
    if (this.outstanding >= this.max) return 1;
    // The send that must have left the window: the (max − outstanding)-th most recent.
    const k = this.max - this.outstanding;
    return this.times[(this.next - k + this.max) % this.max]! + this.windowMs - this.now();
  }

  /** A granted call's request left now. */
  sent(): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
    this.times[this.next] = this.now();
    this.next = (this.next + 1) % this.max;
  }

  /** A granted call ended without sending a request (it failed before the socket). */
  unused(): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
  }
}

/** The limiter call a request belongs to, carried through the SDK's promise chain. */
interface CallContext {
  window: SendWindow;
  sent: boolean;
}
const currentCall = new AsyncLocalStorage<CallContext>();
let watchingSends = false;

/**
 * Node announces each outgoing HTTP request as it is created, in its caller's async context: the
 * first DBS request of a limited call is its send. Others (an STS token refresh) are not counted.
 */
function watchSends(): void {
  if (watchingSends) return;
  watchingSends = true;
  subscribe('http.client.request.start', (message) => {
    const call = currentCall.getStore();
    if (!call || call.sent) return;
    const request = (message as { request?: ClientRequest }).request;
    if (request && !isDbsRequest(request)) return;
    call.sent = true;
    call.window.sent();
  });
}

function isDbsRequest(request: ClientRequest): boolean {
  return request.getHeader('x-acs-version') === API_VERSION || request.path.includes(`Version=${API_VERSION}`);
}

export function createLimiter(settings: RateLimitSettings): Limiter {
  const bucket = new TokenBucket({ bucketSize: Math.max(1, settings.burst), tokensPerInterval: settings.requestsPerSecond, interval: 'second' });
  bucket.content = bucket.bucketSize; // start full: the first burst goes out at once
  const perSecond = new SendWindow(settings.requestsPerSecond, 1000);
  watchSends();
  const inFlight = pLimit(settings.maxConcurrency);
  const basePause = settings.throttlePauseMs ?? 1_000;
  const maxPause = settings.maxThrottlePauseMs ?? 30_000;
  let pausedUntil = 0;
  /** When the latest pause was set: answers to requests sent before it belong to the same throttling. */
  let pausedAt = -Infinity;
  let currentPause = basePause;
  let throttlePauses = 0;

  return {
    get throttlePauses() {
      return throttlePauses;
    },
    wrap(api: DbsApi): DbsApi {
      return {
        call(action, params) {
          return inFlight(async () => {
            const wait = pausedUntil - Date.now();
            if (wait > 0) {
              throttlePauses += 1;
              await sleep(wait);
            }
            await bucket.removeTokens(1);
            await perSecond.acquire();
            const call: CallContext = { window: perSecond, sent: false };
            const sentAt = Date.now();
            try {
              const response = await currentCall.run(call, () => api.call(action, params));
              currentPause = basePause;
              return response;
            } catch (err) {
              // The pause doubles once per round of throttling: the other requests in flight when it
              // began answer Throttling too, and must not double it again each.
              if (err instanceof DbsApiError && err.errorClass === 'throttled' && sentAt >= pausedAt) {
                pausedAt = Date.now();
                pausedUntil = Math.max(pausedUntil, pausedAt + currentPause);
                currentPause = Math.min(maxPause, currentPause * 2);
              }
              throw err;
            } finally {
              if (!call.sent) {
                call.sent = true;
                perSecond.unused();
              }
            }
          });
        },
      };
    },
  };
}
