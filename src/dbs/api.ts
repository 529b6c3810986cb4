/**
 * The one interface everything above the transport talks to. Instrumentation, rate limits and
 * retries are decorators from DbsApi to DbsApi, so the collector never knows which are in place.
 */
import type { z } from 'zod';
import type { ActionRequest, DbsAction, RESPONSE_SCHEMAS } from './schemas.js';

/** Each action's params and parsed response, derived from its entry in schemas.ts ACTION_SPECS. */
export type ActionTypes = {
  [A in DbsAction]: { params: ActionRequest<A>; response: z.infer<(typeof RESPONSE_SCHEMAS)[A]> };
};
export type ActionParams<A extends DbsAction> = ActionTypes[A]['params'];
export type ActionResponse<A extends DbsAction> = ActionTypes[A]['response'];

export interface DbsApi {
  call<A extends DbsAction>(action: A, params: ActionParams<A>): Promise<ActionResponse<A>>;
}

/** A DbsApi that also counts its HTTP attempts (retries included), for the cycle's log line. */
export interface DbsClient extends DbsApi {
  readonly usage: ApiUsage;
}

export interface ApiUsage {
  /** HTTP attempts so far, retries included. */
  readonly calls: number;
  /** Of those, the ones that failed. */
  readonly errors: number;
}

/** Told of every attempt and retry; the exporter's own metrics implement it. */
export interface DbsCallObserver {
  recordAttempt(account: string, attempt: ApiAttempt): void;
  recordRetry(account: string, action: string, errorClass: string): void;
}

/** What an instrumentation hook learns about each HTTP attempt. */
export interface ApiAttempt {
  action: DbsAction;
  /** `ok`, or the error class. */
  code: string;
  durationSeconds: number;
  /** Raw DBS/transport code for failures. */
  rawCode?: string;
}

/** Report every attempt (including retries) to `onAttempt`. */
export function withInstrumentation(inner: DbsApi, onAttempt: (attempt: ApiAttempt) => void): DbsApi {
  return {
    async call(action, params) {
      const started = performance.now();
      try {
        const response = await inner.call(action, params);
        onAttempt({ action, code: 'ok', durationSeconds: (performance.now() - started) / 1000 });
        return response;
      } catch (err) {
        const errorClass = (err as { errorClass?: string }).errorClass ?? 'network';
        const rawCode = (err as { code?: unknown }).code;
        onAttempt({
          action,
          code: errorClass,
          durationSeconds: (performance.now() - started) / 1000,
          ...(typeof rawCode === 'string' ? { rawCode } : {}),
        });
        throw err;
      }
    },
  };
}
