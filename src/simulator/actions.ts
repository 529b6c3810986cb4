/**
 * The three DBS actions: parameter parsing, filtering and paging, producing the response
 * body (without RequestId, which the server adds). Invalid parameters throw ApiError.
 */
import {
  PAGE_SIZES,
  type DbsAction,
  type WireBackupPlanDetail,
  type WireFullBackupFile,
  type WireIncrementBackupFile,
} from '../dbs/schemas.js';
import { apiErrors } from './errors.js';
import type { Fleet } from './fleet.js';

export type ActionParams = ReadonlyMap<string, string>;

/** Fault behaviour that changes how a page is computed. */
export interface PagingOverride {
  /** Ignore PageNum, always answer with the first page and claim this many elements. */
  repeatFirstPage?: { totalElements: number };
}

interface Page<T> {
  PageNum: number;
  PageSize: number;
  TotalPages: number;
  TotalElements: number;
  items: T[];
}

export type ActionResponseBody = Record<string, unknown> & { Success: boolean };

function integerParam(params: ActionParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw apiErrors.invalidParameter(name, `"${raw}" is not an integer`);
  return Number(raw);
}

function pageRequest(params: ActionParams): { pageNum: number; pageSize: number } {
  const pageNum = integerParam(params, 'PageNum') ?? 0;
  if (pageNum < 0) throw apiErrors.invalidParameter('PageNum', 'must be 0 or greater');
  const pageSize = integerParam(params, 'PageSize') ?? 30;
  if (!(PAGE_SIZES as readonly number[]).includes(pageSize)) {
    throw apiErrors.invalidParameter('PageSize', `must be one of ${PAGE_SIZES.join(', ')}`);
  }
  return { pageNum, pageSize };
}

function paginate<T>(all: readonly T[], params: ActionParams, override: PagingOverride): Page<T> {
  const { pageNum, pageSize } = pageRequest(params);
  const totalElements = override.repeatFirstPage?.totalElements ?? all.length;
  const start = override.repeatFirstPage ? 0 : pageNum * pageSize;
  return {
    PageNum: pageNum,
    PageSize: pageSize,
    TotalPages: Math.ceil(totalElements / pageSize),
    TotalElements: totalElements,
    items: all.slice(start, start + pageSize),
  };
}

function envelope<T>(page: Page<T>, itemName: string): ActionResponseBody {
  const { items, ...counts } = page;
  return { HttpStatusCode: 200, Success: true, ...counts, Items: { [itemName]: items } };
}

function requiredPlanId(params: ActionParams): string {
  const planId = params.get('BackupPlanId');
  if (!planId) throw apiErrors.invalidParameter('BackupPlanId', 'BackupPlanId is mandatory for this action');
  return planId;
}

/** DBS answers an unknown plan with HTTP 200 and Success:false, not a gateway error. */
function planNotFound(planId: string): ActionResponseBody {
  return {
    HttpStatusCode: 200,
    Success: false,
    ErrCode: 'Param.NotFound',
    ErrMessage: `The specified parameter BackupPlanId value ${planId} is not valid.`,
  };
}

function setFilter(params: ActionParams) {
  return {
    startTimestamp: integerParam(params, 'StartTimestamp'),
    endTimestamp: integerParam(params, 'EndTimestamp'),
    backupSetId: params.get('BackupSetId') || undefined,
  };
}

export function describeBackupPlanList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  pageRequest(params);
  const plans = fleet.findPlans({
    region: params.get('Region') || undefined,
    backupPlanId: params.get('BackupPlanId') || undefined,
    backupPlanName: params.get('BackupPlanName') || undefined,
    backupPlanStatus: params.get('BackupPlanStatus') || undefined,
  });
  const page = paginate(plans, params, override);
  const details = page.items.map((plan) => fleet.describePlan(plan.id)).filter((d): d is WireBackupPlanDetail => d !== undefined);
  return envelope({ ...page, items: details }, 'BackupPlanDetail');
}

export function describeFullBackupList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const planId = requiredPlanId(params);
  const filter = setFilter(params);
  pageRequest(params);
  const sets = fleet.fullBackups(planId, filter);
  if (!sets) return planNotFound(planId);
  return envelope<WireFullBackupFile>(paginate(sets, params, override), 'FullBackupFile');
}

/** StorageMethod is only shown with ShowStorageType=true, as the API documents. */
export function describeIncrementBackupList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const planId = requiredPlanId(params);
  const filter = setFilter(params);
  pageRequest(params);
  const sets = fleet.incrementBackups(planId, { startTimestamp: filter.startTimestamp, endTimestamp: filter.endTimestamp });
  if (!sets) return planNotFound(planId);
  const page = paginate(sets, params, override);
  const showStorage = params.get('ShowStorageType') === 'true';
  const items = showStorage ? page.items : page.items.map(({ StorageMethod: _hidden, ...set }): WireIncrementBackupFile => set);
  return envelope({ ...page, items }, 'IncrementBackupFile');
}

export const ACTION_HANDLERS: Record<DbsAction, (fleet: Fleet, params: ActionParams, override?: PagingOverride) => ActionResponseBody> = {
  DescribeBackupPlanList: describeBackupPlanList,
  DescribeFullBackupList: describeFullBackupList,
  DescribeIncrementBackupList: describeIncrementBackupList,
};
