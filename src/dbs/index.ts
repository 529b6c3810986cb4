/**
 * The DBS OpenAPI client: a signed HTTP transport, wrapped in instrumentation, an optional
 * limiter (rate limit, concurrency) and retries, in that order from the inside out — so every
 * HTTP attempt, retries included, is counted and takes its own token.
 */
import { type ApiAttempt, type DbsApi, withInstrumentation } from './api.js';
import { type CredentialProvider } from './credentials.js';
import { DEFAULT_RETRY_POLICY, type RetryHooks, type RetryPolicy, withRetries } from './retry.js';
import { OpenApiTransport, type SignatureAlgorithm } from './transport.js';

export * from './api.js';
export * from './credentials.js';
export * from './endpoints.js';
export * from './errors.js';
export * from './pagination.js';
export * from './retry.js';
export * from './schemas.js';
export { OpenApiTransport, SIGNATURE_ALGORITHMS, parseResponse, type SignatureAlgorithm } from './transport.js';

export interface DbsClientOptions {
  endpoint: string;
  protocol?: 'http' | 'https';
  regionId: string;
  credential: CredentialProvider;
  signatureAlgorithm?: SignatureAlgorithm;
  timeoutMs?: number;
  retry?: RetryPolicy;
  retryHooks?: RetryHooks;
  onAttempt?: (attempt: ApiAttempt) => void;
  /** Wraps each attempt, e.g. a rate limiter; applied between instrumentation and retries. */
  limit?: (api: DbsApi) => DbsApi;
}

export function createDbsClient(options: DbsClientOptions): DbsApi {
  let api: DbsApi = new OpenApiTransport(options);
  if (options.onAttempt) api = withInstrumentation(api, options.onAttempt);
  if (options.limit) api = options.limit(api);
  return withRetries(api, options.retry ?? DEFAULT_RETRY_POLICY, options.retryHooks);
}
