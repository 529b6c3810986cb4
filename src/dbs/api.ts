/**
 * The one interface everything above the transport talks to. Retries, rate limits and
 * instrumentation are decorators that take a DbsApi and return a DbsApi, so each concern
 * lives in one file and the collector never knows which ones are in place.
 */
import type {
  DbsAction,
  DescribeBackupPlanListRequest,
  DescribeBackupPlanListResponse,
  DescribeFullBackupListRequest,
  DescribeFullBackupListResponse,
  DescribeIncrementBackupListRequest,
  DescribeIncrementBackupListResponse,
} from './schemas.js';

export interface ActionTypes {
  DescribeBackupPlanList: { params: DescribeBackupPlanListRequest; response: DescribeBackupPlanListResponse };
  DescribeFullBackupList: { params: DescribeFullBackupListRequest; response: DescribeFullBackupListResponse };
  DescribeIncrementBackupList: { params: DescribeIncrementBackupListRequest; response: DescribeIncrementBackupListResponse };
}
export type ActionParams<A extends DbsAction> = ActionTypes[A]['params'];
export type ActionResponse<A extends DbsAction> = ActionTypes[A]['response'];

export interface DbsApi {
  call<A extends DbsAction>(action: A, params: ActionParams<A>): Promise<ActionResponse<A>>;
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
