/**
 * Limits on DBS API calls, as wrappers around a DbsApi (the client never knows they are
 * there): a token bucket per account (burst = how many may leave back to back), a hard cap
 * of requests_per_second in any rolling second (so a burst never adds to a full second's
 * worth: DBS counts calls per second), a cap on requests in flight, and a shared pause after
 * DBS says Throttling, so a throttled account slows down instead of failing.
 */
import { TokenBucket } from 'limiter';
import pLimit from 'p-limit';
import type { DbsApi } from '../dbs/api.js';
import { DbsApiError } from '../dbs/errors.js';

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

/** At most `max` grants in any rolling `windowMs`: a ring of the last `max` grant times. */
export class SlidingWindow {
  private readonly times: Float64Array;
  private next = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly max: number,
    readonly windowMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.times = new Float64Array(Math.max(1, max)).fill(-Infinity);
  }

  /** Resolves when one more call fits; grants are in arrival order. */
  acquire(): Promise<void> {
    const granted = this.queue.then(async () => {
      // The slot to reuse holds the grant made `max` grants ago.
      for (;;) {
        const wait = this.times[this.next]! + this.windowMs - this.now();
        if (wait <= 0) break;
        await sleep(Math.ceil(wait));
      }
      this.times[this.next] = this.now();
      this.next = (this.next + 1) % this.times.length;
    });
    this.queue = granted;
    return granted;
  }
}

export function createLimiter(settings: RateLimitSettings): Limiter {
  const bucket = new TokenBucket({ bucketSize: Math.max(1, settings.burst), tokensPerInterval: settings.requestsPerSecond, interval: 'second' });
  bucket.content = bucket.bucketSize; // start full: the first burst goes out at once
  // 10 ms over the second: timers may fire a millisecond early, and a grant is stamped a moment
  // before the request leaves; the cap holds with room to spare for 1% of throughput.
  const perSecond = new SlidingWindow(Math.max(1, Math.floor(settings.requestsPerSecond)), 1010);
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
            try {
              const response = await api.call(action, params);
              currentPause = basePause;
              return response;
            } catch (err) {
              if (err instanceof DbsApiError && err.errorClass === 'throttled') {
                pausedUntil = Math.max(pausedUntil, Date.now() + currentPause);
                currentPause = Math.min(maxPause, currentPause * 2);
              }
              throw err;
            }
          });
        },
      };
    },
  };
}
