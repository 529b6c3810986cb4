/**
 * DescribeBackupPlanBilling (not paged), DescribeBackupGatewayList (paged, PageSize 30/50/100 only)
 * and DescribeJobErrorCode (not paged), with DBS's quirks. Design: docs/design/operational-stops.md
 */
import { ApiError, apiErrors } from './errors.js';
import {
  envelope,
  notFound,
  pageRequest,
  paginate,
  planNotFound,
  requiredParam,
  requiredPlanId,
  type ActionParams,
  type ActionResponseBody,
  type PagingOverride,
} from './action-params.js';
import type { Fleet } from './fleet.js';
import type { JobErrorLanguage } from './job-errors.js';

/** What DBS answers for a plan without billing of its own (pay-as-you-go, some engines); its Code is not documented. */
export const BILLING_NOT_SUPPORTED_CODE = 'BackupPlanNotSupportAction';
export const BILLING_NOT_SUPPORTED_MESSAGE = "This backupPlan can't support this action";

export function describeBackupPlanBilling(fleet: Fleet, params: ActionParams): ActionResponseBody {
  const planId = requiredPlanId(params);
  const billing = fleet.billing(planId);
  if (billing === undefined) return planNotFound(planId);
  if (billing === 'unsupported') throw new ApiError(400, BILLING_NOT_SUPPORTED_CODE, BILLING_NOT_SUPPORTED_MESSAGE);
  return { HttpStatusCode: 200, Success: true, Item: billing };
}

export function describeBackupGatewayList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const region = requiredParam(params, 'Region');
  const rawIds = params.get('Identifier') || undefined;
  const identifiers = rawIds?.split(',').map((id) => id.trim()).filter((id) => id !== '');
  const request = pageRequest(params);
  return envelope(paginate(fleet.gatewayList(region, identifiers), request, override), 'BackupGateway');
}

function language(params: ActionParams): JobErrorLanguage {
  const raw = params.get('Language') || 'en';
  if (raw !== 'en' && raw !== 'cn') throw apiErrors.invalidParameter('Language', `"${raw}" is not en or cn`);
  return raw;
}

export function describeJobErrorCode(fleet: Fleet, params: ActionParams): ActionResponseBody {
  const taskId = requiredParam(params, 'TaskId');
  const item = fleet.jobError(taskId, language(params));
  if (!item) return notFound('TaskId', taskId);
  return { HttpStatusCode: 200, Success: true, Item: item };
}
