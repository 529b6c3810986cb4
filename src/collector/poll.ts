/**
 * One poll of one backup plan: ask DBS for the full and incremental jobs since each
 * type's watermark (minus an overlap margin, and never after the oldest unfinished job),
 * then merge what came back into the plan's state. After the first lookback a steady
 * poll costs one call per backup type as long as fewer than a page of jobs are new.
 */
import type { DbsApi } from '../dbs/api.js';
import { listAll } from '../dbs/pagination.js';
import type { BackupPlanDetail } from '../dbs/schemas.js';
import {
  type BackupTypeState,
  type ObservedJob,
  type PlanState,
  mergeJobs,
  nextFetchStartMs,
  observeFullBackup,
  observeIncrementBackup,
  keepPlanInfo,
  planInfoFromDetail,
} from './state.js';
import type { BackupType } from './status.js';

export interface PollSettings {
  /** History asked for on the first poll of a plan. */
  lookbackMs: number;
  /** Re-read margin before the watermark. */
  overlapMs: number;
  maxPages?: number;
}

const DAY = 86_400_000;

/**
 * Full backups can be a week apart; a short lookback would find none and report a
 * healthy weekly plan as never backed up. So fulls look back at least two intervals.
 */
export function lookbackFor(backupType: BackupType, fullIntervalSeconds: number | undefined, settings: PollSettings): number {
  if (backupType === 'incremental') return settings.lookbackMs;
  const interval = fullIntervalSeconds !== undefined ? fullIntervalSeconds * 1000 : 7 * DAY;
  return Math.max(settings.lookbackMs, 2 * interval + DAY);
}

export interface PollResult {
  state: PlanState;
  /** Job statuses DBS sent that the exporter does not know (reported as state="unknown"). */
  unknownStatuses: Array<{ backupType: BackupType; rawStatus: string }>;
}

async function fetchJobs(api: DbsApi, backupType: BackupType, planId: string, startMs: number, maxPages?: number): Promise<ObservedJob[]> {
  const options = maxPages !== undefined ? { maxPages } : {};
  const params = { BackupPlanId: planId, StartTimestamp: startMs, ShowStorageType: true };
  if (backupType === 'full') return (await listAll(api, 'DescribeFullBackupList', params, { ...options, map: observeFullBackup })).items;
  return (await listAll(api, 'DescribeIncrementBackupList', params, { ...options, map: observeIncrementBackup })).items;
}

/** Poll one plan. Throws (a DbsApiError) when either listing fails; the caller keeps the old state. */
export async function pollPlan(
  api: DbsApi,
  target: { account: string; region: string },
  detail: BackupPlanDetail,
  previous: PlanState | undefined,
  settings: PollSettings,
  nowMs: number,
): Promise<PollResult> {
  const info = keepPlanInfo(previous?.info, planInfoFromDetail(detail));
  const byType: Partial<Record<BackupType, BackupTypeState>> = {};
  const unknownStatuses: PollResult['unknownStatuses'] = [];
  const types: BackupType[] = ['full', 'incremental'];
  const listings = await Promise.all(
    types.map(async (backupType) => {
      const prev = previous?.byType[backupType];
      const lookbackMs = lookbackFor(backupType, info.fullIntervalSeconds, settings);
      const fetchStartMs = nextFetchStartMs(prev, { nowMs, lookbackMs, overlapMs: settings.overlapMs });
      const jobs = await fetchJobs(api, backupType, info.planId, fetchStartMs, settings.maxPages);
      return { backupType, prev, jobs, fetchStartMs, windowStartMs: nowMs - lookbackMs };
    }),
  );
  for (const { backupType, prev, jobs, fetchStartMs, windowStartMs } of listings) {
    for (const job of jobs) if (job.state === 'unknown') unknownStatuses.push({ backupType, rawStatus: job.rawStatus });
    byType[backupType] = mergeJobs(prev, jobs, { nowMs, fetchStartMs, windowStartMs, overlapMs: settings.overlapMs });
  }
  return {
    state: { account: target.account, region: target.region, info, byType, lastPollOk: true, lastPollAttemptMs: nowMs, lastPollSuccessMs: nowMs },
    unknownStatuses,
  };
}
