/**
 * Bounded retries with exponential backoff and full jitter, only for retryable error classes
 * (throttled, network, timeout, 5xx); openapi-client never retries HTTP errors. Why full
 * jitter and not p-retry's own: docs/design/dbs-client.md.
 */
import pRetry from 'p-retry';
import type { DbsApi } from './api.js';
import { DbsApiError, classifyThrown } from './errors.js';

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 10_000 };

export interface RetryHooks {
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry with the error that caused it and the chosen delay. */
  onRetry?: (err: DbsApiError, attemptNumber: number, delayMs: number) => void;
}

export function fullJitterDelay(policy: RetryPolicy, attemptNumber: number, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attemptNumber - 1));
  return Math.floor(random() * ceiling);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function withRetries(inner: DbsApi, policy: RetryPolicy, hooks: RetryHooks = {}): DbsApi {
  const random = hooks.random ?? Math.random;
  const sleep = hooks.sleep ?? defaultSleep;
  return {
    call(action, params) {
      return pRetry(
        async () => {
          try {
            return await inner.call(action, params);
          } catch (err) {
            throw classifyThrown(err, action);
          }
        },
        {
          retries: Math.max(0, policy.maxAttempts - 1),
          minTimeout: 0,
          maxTimeout: 0,
          factor: 1,
          shouldRetry: ({ error }) => error instanceof DbsApiError && error.retryable,
          onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft <= 0 || !(error instanceof DbsApiError) || !error.retryable) return;
            const delay = fullJitterDelay(policy, attemptNumber, random);
            hooks.onRetry?.(error, attemptNumber, delay);
            await sleep(delay);
          },
        },
      );
    },
  };
}
