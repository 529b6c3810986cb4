/**
 * Limits on DBS API calls, as wrappers around a DbsApi (the client never knows they are
 * there): a token bucket per account (burst = how many may leave back to back), a hard cap
 * of requests_per_second sent in any rolling second (so a burst never adds to a full second's
 * worth: DBS counts calls per second; stamped when each request leaves, see SendWindow), a cap on requests in flight, and a shared pause after
 * DBS says Throttling, so a throttled account slows down instead of failing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { TokenBucket } from 'limiter';
import pLimit from 'p-limit';
import type { DbsApi } from '../dbs/api.js';
import { DbsApiError } from '../dbs/errors.js';
import { API_VERSION } from '../dbs/schemas.js';

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
 * At most `max` requests *sent* in any rolling `windowMs`. Grants are stamped when the request
 * actually leaves (see `sent`), not when the call is let through: between the two the call
 * runs through the SDK's promise chain, and an event-loop stall there would otherwise let
 * grants spread over a second leave together. A call is granted only while
 * sends in the last window + granted-but-unsent calls < max, which bounds the sends of every
 * window by max however late each request leaves.
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
 * Node announces every outgoing HTTP request synchronously as it is created
 * (`http.client.request.start`, in the async context of the code creating it): the first DBS
 * request of a limited call marks that call's send time. Other requests (an STS token
 * refresh inside the credential chain) are not DBS calls and are not counted.
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
            try {
              const response = await currentCall.run(call, () => api.call(action, params));
              currentPause = basePause;
              return response;
            } catch (err) {
              if (err instanceof DbsApiError && err.errorClass === 'throttled') {
                pausedUntil = Math.max(pausedUntil, Date.now() + currentPause);
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
