/** DescribeRestoreRangeInfo (not paged) and DescribeRestoreTaskList (paged, PageSize 1–100). */
import { apiErrors } from './errors.js';
import {
  envelope,
  integerParam,
  pageRequest,
  paginate,
  planNotFound,
  requiredPlanId,
  requiredTimestamp,
  type ActionParams,
  type ActionResponseBody,
  type PagingOverride,
} from './action-params.js';
import type { Fleet } from './fleet.js';

function booleanParam(params: ActionParams, name: string): boolean {
  const raw = params.get(name);
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw apiErrors.invalidParameter(name, `"${raw}" is not true or false`);
}

/** Every range and point of the window at once; a paging fault has nothing to repeat here. */
export function describeRestoreRangeInfo(fleet: Fleet, params: ActionParams): ActionResponseBody {
  const planId = requiredPlanId(params);
  const begin = requiredTimestamp(params, 'BeginTimestampForRestore');
  const end = requiredTimestamp(params, 'EndTimestampForRestore');
  if (begin > end) throw apiErrors.invalidParameter('BeginTimestampForRestore', 'must not be after EndTimestampForRestore');
  const recentOnly = booleanParam(params, 'RecentlyRestore');
  const ranges = fleet.restoreRanges(planId, { begin, end, recentOnly });
  if (!ranges) return planNotFound(planId);
  return { HttpStatusCode: 200, Success: true, Items: { DBSRecoverRange: ranges } };
}

/** One plan's tasks, or tasks by id (a comma-separated list) across plans; never both. */
function taskSelection(params: ActionParams): { planId: string } | { taskIds: string[] } {
  const planId = params.get('BackupPlanId') || undefined;
  const rawIds = params.get('RestoreTaskId') || undefined;
  if (planId && rawIds) throw apiErrors.invalidParameter('RestoreTaskId', 'BackupPlanId and RestoreTaskId cannot both be set');
  if (planId) return { planId };
  if (!rawIds) throw apiErrors.invalidParameter('BackupPlanId', 'BackupPlanId or RestoreTaskId is mandatory for this action');
  const taskIds = rawIds.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (taskIds.length === 0) throw apiErrors.invalidParameter('RestoreTaskId', `"${rawIds}" names no restore task`);
  return { taskIds };
}

export function describeRestoreTaskList(fleet: Fleet, params: ActionParams, override: PagingOverride = {}): ActionResponseBody {
  const selection = taskSelection(params);
  const filter = { startTimestamp: integerParam(params, 'StartTimestamp'), endTimestamp: integerParam(params, 'EndTimestamp') };
  const request = pageRequest(params, true);
  const tasks = 'planId' in selection ? fleet.restoreTasks(selection.planId, filter) : fleet.findRestoreTasks(selection.taskIds, filter);
  if (!tasks) return planNotFound((selection as { planId: string }).planId);
  return envelope(paginate(tasks, request, override), 'RestoreTaskDetail');
}
