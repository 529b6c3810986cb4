/**
 * Limits on DBS API calls, as wrappers around a DbsApi (the client never knows they are
 * there): a token bucket per account, a cap on requests in flight, and a shared pause
 * after DBS says Throttling, so a throttled account slows down instead of failing.
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

export function createLimiter(settings: RateLimitSettings): Limiter {
  const bucket = new TokenBucket({ bucketSize: Math.max(1, settings.burst), tokensPerInterval: settings.requestsPerSecond, interval: 'second' });
  bucket.content = bucket.bucketSize; // start full: the first burst goes out at once
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
