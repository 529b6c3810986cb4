/**
 * The DBS OpenAPI client, built whole from its settings: a signed HTTP transport wrapped in
 * instrumentation, the account's rate limit and concurrency, and retries, from the inside out,
 * so every HTTP attempt, retries included, is counted and takes its own token.
 */
import { type ApiAttempt, type ApiUsage, type DbsApi, type DbsCallObserver, type DbsClient, withInstrumentation } from './api.js';
import type { DbsApiError } from './errors.js';
import { type RateLimitSettings, createLimiter } from './rate-limit.js';
import { DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy, withRetries } from './retry.js';
import { OpenApiTransport, type TransportOptions } from './transport.js';

export * from './api.js';
export * from './credentials.js';
export * from './endpoints.js';
export * from './errors.js';
export * from './pagination.js';
export { type Limiter, type RateLimitSettings, SendWindow, createLimiter } from './rate-limit.js';
export * from './retry.js';
export * from './schemas.js';
export { OpenApiTransport, SIGNATURE_ALGORITHMS, parseResponse, type SignatureAlgorithm, type TransportOptions } from './transport.js';

export interface DbsClientOptions extends TransportOptions {
  /** The account's rate limit and concurrency; none without it. */
  rateLimit?: RateLimitSettings;
  retry?: RetryPolicy;
  retryHooks?: RetryHooks;
  /** Told of every attempt and retry, labelled with `account`. */
  observer?: DbsCallObserver;
  account?: string;
}

export function createDbsClient(options: DbsClientOptions): DbsClient {
  const attempts = attemptCounter(options.account ?? '', options.observer);
  let api: DbsApi = withInstrumentation(new OpenApiTransport(options), attempts.record);
  if (options.rateLimit) api = createLimiter(options.rateLimit).wrap(api);
  api = withRetries(api, options.retry ?? DEFAULT_RETRY_POLICY, { ...options.retryHooks, onRetry: retryReporter(options) });
  return { call: (action, params) => api.call(action, params), usage: attempts.usage };
}

function attemptCounter(account: string, observer: DbsCallObserver | undefined): { usage: ApiUsage; record: (attempt: ApiAttempt) => void } {
  const usage = { calls: 0, errors: 0 };
  return {
    usage,
    record(attempt) {
      usage.calls += 1;
      if (attempt.code !== 'ok') usage.errors += 1;
      observer?.recordAttempt(account, attempt);
    },
  };
}

function retryReporter(options: DbsClientOptions): RetryHooks['onRetry'] {
  return (err: DbsApiError, attemptNumber: number, delayMs: number) => {
    options.observer?.recordRetry(options.account ?? '', err.details.action ?? 'unknown', err.errorClass);
    options.retryHooks?.onRetry?.(err, attemptNumber, delayMs);
  };
}
