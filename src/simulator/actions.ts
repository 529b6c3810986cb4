/**
 * The DBS actions: parameter parsing, filtering and paging, producing the response body
 * (without RequestId, which the server adds). Invalid parameters throw ApiError.
 */
import type { DbsAction, WireBackupPlanDetail, WireFullBackupFile, WireIncrementBackupFile } from '../dbs/schemas.js';
import {
  envelope,
  integerParam,
  pageRequest,
  paginate,
  planNotFound,
  requiredPlanId,
  type ActionParams,
  type ActionResponseBody,
  type PagingOverride,
} from './action-params.js';
import type { Fleet } from './fleet.js';
import { describeBackupGatewayList, describeBackupPlanBilling, describeJobErrorCode } from './operations-actions.js';
import { describeRestoreRangeInfo, describeRestoreTaskList } from './restore-actions.js';

export type { ActionParams, ActionResponseBody, PagingOverride } from './action-params.js';

function setFilter(params: ActionParams) {
  return {
    startTimestamp: integerParam(params, 'StartTimestamp'),
    endTimestamp: integerParam(params, 'EndTimestamp'),
    backupSetId: params.get('BackupSetId') || undefined,
  };
}

export function describeBackupPlanList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const request = pageRequest(params);
  const plans = fleet.findPlans({
    region: params.get('Region') || undefined,
    backupPlanId: params.get('BackupPlanId') || undefined,
    backupPlanName: params.get('BackupPlanName') || undefined,
    backupPlanStatus: params.get('BackupPlanStatus') || undefined,
  });
  const page = paginate(plans, request, override);
  const details = page.items.map((plan) => fleet.describePlan(plan.id)).filter((d): d is WireBackupPlanDetail => d !== undefined);
  return envelope({ ...page, items: details }, 'BackupPlanDetail');
}

export function describeFullBackupList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const planId = requiredPlanId(params);
  const filter = setFilter(params);
  const request = pageRequest(params);
  const sets = fleet.fullBackups(planId, filter);
  if (!sets) return planNotFound(planId);
  return envelope<WireFullBackupFile>(paginate(sets, request, override), 'FullBackupFile');
}

/** StorageMethod is only shown with ShowStorageType=true, as the API documents. */
export function describeIncrementBackupList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const planId = requiredPlanId(params);
  const filter = setFilter(params);
  const request = pageRequest(params);
  const sets = fleet.incrementBackups(planId, { startTimestamp: filter.startTimestamp, endTimestamp: filter.endTimestamp });
  if (!sets) return planNotFound(planId);
  const page = paginate(sets, request, override);
  const showStorage = params.get('ShowStorageType') === 'true';
  const items = showStorage ? page.items : page.items.map(({ StorageMethod: _hidden, ...set }): WireIncrementBackupFile => set);
  return envelope({ ...page, items }, 'IncrementBackupFile');
}

export const ACTION_HANDLERS: Record<DbsAction, (fleet: Fleet, params: ActionParams, override?: PagingOverride) => ActionResponseBody> = {
  DescribeBackupPlanList: describeBackupPlanList,
  DescribeFullBackupList: describeFullBackupList,
  DescribeIncrementBackupList: describeIncrementBackupList,
  DescribeRestoreRangeInfo: describeRestoreRangeInfo,
  DescribeRestoreTaskList: describeRestoreTaskList,
  DescribeBackupPlanBilling: describeBackupPlanBilling,
  DescribeBackupGatewayList: describeBackupGatewayList,
  DescribeJobErrorCode: describeJobErrorCode,
};
